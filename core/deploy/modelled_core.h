// SPDX-License-Identifier: MIT
// ModelledCore: a CPU core the latency model predicts for — the ARM cores people ship, and the
// x86-64 core the model is checked against here. Each names llvm-mca's scheduling model for it,
// the clock and the memory bandwidth one core sees (with where that figure comes from), and the
// XNNPACK 2022-02 int8 kernel its init code picks for that core.
#pragma once

#include <string>
#include <vector>

namespace quantscope::deploy {

struct ModelledCore
{
    std::string id;        // "cortex-a55": as `deploy --device model:ID` names it
    std::string name;      // "Cortex-A55"
    std::string triple;    // "aarch64" | "x86_64"
    std::string llvmCpu;   // llvm-mca's -mcpu
    std::string example;   // a board or phone that has it
    double clockGHz = 0;
    double bandwidthGBs = 0; // one core streaming from DRAM
    std::string bandwidthSource;
    bool dotProduct = false; // SDOT: our neon-dot kernel and XNNPACK's c4 kernels
    // XNNPACK's igemm for this core, and its tile: rows × channels, k rounded up to kr. The
    // library exports the QS8 build of each template; the QC8 kernel the int8 backend runs
    // (per-channel weight scales) shares its inner loop and differs only in the epilogue.
    std::string xnnpackKernel;
    int xnnpackRows = 0, xnnpackChannels = 0, xnnpackKr = 1;
    std::string note; // what the scheduling model lacks, where it does
    // The scheduling model for loops on 512-bit registers where llvmCpu has no AVX-512 (llvm-14's
    // newest Zen, Zen 3); "" where llvmCpu times every loop.
    std::string avx512Cpu;
    // Our bit-serial kernel: every AArch64 core (cnt); x86-64 with AVX-512 VPOPCNTDQ.
    bool bitSerial = true;

    static const std::vector<ModelledCore> &arm();
    // The ARM core `id` names; nullptr where none.
    static const ModelledCore *find(const std::string &id);
    // The ARM core a device's cores are ("Cortex-A76", as DeviceFacts names them); nullptr
    // where it is none of them.
    static const ModelledCore *named(const std::string &coreType);
    // This machine's core as the closest scheduling model llvm-14 has, for the model's check.
    static ModelledCore host(double clockGHz, bool vpopcntdq);
};

} // namespace quantscope::deploy
