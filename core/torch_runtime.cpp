// SPDX-License-Identifier: MIT
#include "torch_runtime.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

#if defined(QUANTSCOPE_WITH_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(QUANTSCOPE_WITH_JEMALLOC)
// Read by jemalloc when it starts, before main: it must be defined in the program, and this file
// is linked into every program that calls configure(). Freed pages stay mapped until
// releaseFreedMemory(). glibc unmaps every block above 32 MiB on free, and jemalloc's defaults
// hand blocks of 8 MiB and more back at once. A BRECQ iteration on ResNet-18 at 224x224 frees
// and allocates the same few hundred MB, so with either the kernel faulted them in again every
// time: 488 s with glibc (404 s of it in the kernel), 107 s with these settings
// (bench/BRECQ.md, "Allocator").
extern "C" {
const char *malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";
}
#endif

namespace quantscope {

void TorchRuntime::configure()
{
    at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
#if !defined(QUANTSCOPE_WITH_JEMALLOC) && defined(__GLIBC__)
    // Without jemalloc: a training step allocates and frees activation and gradient buffers of a
    // few MiB each. glibc serves those with mmap and returns them with munmap, so every step
    // page-faults them in again: on the demo's DSQ step a third of the CPU time went to the
    // kernel. Serving blocks up to 32 MiB (glibc's maximum) from the heap and trimming it only
    // past 1 GiB keeps them mapped.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

bool TorchRuntime::keepsFreedPages()
{
#if defined(QUANTSCOPE_WITH_JEMALLOC)
    return true;
#else
    return false;
#endif
}

void TorchRuntime::releaseFreedMemory()
{
#if defined(QUANTSCOPE_WITH_JEMALLOC)
    static_assert(MALLCTL_ARENAS_ALL == 4096, "the name below selects every arena");
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
#elif defined(__GLIBC__)
    malloc_trim(0);
#endif
}

} // namespace quantscope
