// SPDX-License-Identifier: MIT
// TorchRuntime: process-wide settings every entry point (GUI, CLI, benches) applies once, before
// any tensor work, and the memory a long-lived program hands back between jobs.
#pragma once

namespace quantscope {

class TorchRuntime
{
public:
    // Uses every core for intra-op parallelism (Debian's LibTorch starts with one thread) and
    // keeps freed buffers mapped for the next step instead of handing them back to the kernel.
    static void configure();
    // Whether configure()'s setting holds: freed buffers stay mapped (this build allocates with
    // jemalloc). Without it, glibc maps blocks above 32 MiB afresh on every allocation.
    static bool keepsFreedPages();
    // Hands the freed buffers kept by configure()'s setting back to the kernel: the GUI calls
    // it after each piece of heavy work (a job, a dataset's first look, an export), so that
    // finished work does not keep gigabytes resident.
    static void releaseFreedMemory();
    // Calls releaseFreedMemory() on leaving a scope: declared first in a function, it runs after
    // every other local of the function is freed.
    struct ReleaseOnExit
    {
        ~ReleaseOnExit() { releaseFreedMemory(); }
    };
};

} // namespace quantscope
