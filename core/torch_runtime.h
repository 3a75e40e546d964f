// SPDX-License-Identifier: MIT
// TorchRuntime: process-wide settings every entry point (GUI, CLI, benches) applies once, before
// any tensor work.
#pragma once

namespace quantscope {

class TorchRuntime
{
public:
    // Uses every core for intra-op parallelism (Debian's LibTorch starts with one thread) and
    // keeps LibTorch's per-step buffers in the heap instead of handing them back to the kernel.
    static void configure();
};

} // namespace quantscope
