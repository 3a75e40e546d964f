// SPDX-License-Identifier: MIT
// What each multiply-accumulate technique the runtime issue names can reach on one core, at
// most, measured: loops of independent operations on operands held in registers, so no memory,
// no packing and no epilogue — the ceiling a kernel built on that technique cannot pass. Our
// x86 kernel is built on the first (vpdpbusd), and a kernel's GMAC/s reads as a share of it.
// Empty where the CPU lacks AVX-512 VNNI / VPOPCNTDQ.
#pragma once

#include <string>
#include <vector>

namespace quantscope::bench {

struct TechniquePeak
{
    std::string technique; // e.g. "bit-serial AND + vpopcntq"
    std::string widths;    // the bit-widths it serves, e.g. "W2A2"
    double gmacPerSecond = 0;
};

// vpdpbusd first (the int8 peak), then bit-serial W1A1, W2A2, W1A8 and a table lookup W1A8.
std::vector<TechniquePeak> techniquePeaks();

} // namespace quantscope::bench
