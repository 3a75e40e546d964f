// SPDX-License-Identifier: MIT
// LoopCycles: what LLVM's machine-code analyzer (llvm-mca-14) says one iteration of a kernel
// loop costs on a core, in the steady state: the total cycles of many iterations of the loop
// over their number, from the core's scheduling model (issue width, ports, latencies) — no
// caches, no branch mispredictions, which the latency model's memory term and tolerance cover.
#pragma once

#include "kernel_loop.h"

#include <string>

namespace quantscope::deploy {

class LoopCycles
{
public:
    // `cpu` as llvm-mca spells it: "cortex-a55", "znver3"…; throws quantscope::Error with
    // llvm-mca's reason when it cannot time the loop.
    static double perIteration(const KernelLoop &loop, const std::string &triple,
                               const std::string &cpu);
    // From llvm-mca's summary ("Iterations: 500", "Total Cycles: 20601"); 0 where absent.
    static double parse(const std::string &summary);
};

} // namespace quantscope::deploy
