// SPDX-License-Identifier: MIT
// CpuFeatures: what the CPU running the runtime can execute, read once through cpuinfo (in a
// build without it, the compiler's run-time checks), so the kernels are chosen at run time and
// one binary serves every x86-64 (or every AArch64) machine.
#pragma once

#include <string>

namespace quantscope::runtime {

struct CpuFeatures
{
    std::string name;  // the package's marketing name, where cpuinfo knows it
    unsigned cores = 1;
    bool avx2 = false;
    bool fma = false;             // FMA3
    bool avx512f = false;
    bool avx512vnni = false;      // with AVX-512 F and BW, which its kernel also uses
    bool avx512vpopcntdq = false;
    bool neon = false;
    bool neonDot = false;         // SDOT / UDOT

    static const CpuFeatures &detected();
    // The clock the running core keeps now, measured: a chain of dependent integer adds, one a
    // cycle on every x86-64 and AArch64 core (0 on another architecture). Under an emulator
    // it measures the emulator.
    static double measureClockGHz();
    // The features as a space-separated list, for reports ("avx2 avx512vnni …").
    std::string list() const;
};

} // namespace quantscope::runtime
