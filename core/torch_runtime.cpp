// SPDX-License-Identifier: MIT
#include "torch_runtime.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace quantscope {

void TorchRuntime::configure()
{
    at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
#if defined(__GLIBC__)
    // A training step allocates and frees activation and gradient buffers of a few MiB each.
    // glibc serves those with mmap and returns them with munmap, so every step page-faults them
    // in again: on the demo's DSQ step a third of the CPU time went to the kernel. Serving
    // blocks up to 32 MiB (glibc's maximum) from the heap and trimming it only past 1 GiB keeps
    // them mapped. The price: after a run the process may keep up to 1 GiB of freed heap for
    // the next one instead of returning it.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

} // namespace quantscope
