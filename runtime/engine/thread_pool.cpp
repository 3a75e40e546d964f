// SPDX-License-Identifier: MIT
#include "thread_pool.h"

#if QUANTSCOPE_WITH_XNNPACK
#include <pthreadpool.h>
#endif

#include <algorithm>

namespace quantscope::runtime {

ThreadPool::ThreadPool(size_t threads) : m_threads(std::max<size_t>(threads, 1))
{
#if QUANTSCOPE_WITH_XNNPACK
    if (m_threads > 1)
        m_pool = pthreadpool_create(m_threads);
#else
    m_threads = 1; // a build without pthreadpool: every tile on the calling thread
#endif
}

ThreadPool::~ThreadPool()
{
#if QUANTSCOPE_WITH_XNNPACK
    if (m_pool)
        pthreadpool_destroy(m_pool);
#endif
}

void ThreadPool::parallelFor(size_t count, size_t tile,
                             const std::function<void(size_t, size_t)> &work)
{
    if (!m_pool || count <= tile) {
        // Tile by tile on this thread too: a tile's buffers stay in cache from step to step.
        for (size_t begin = 0; begin < count; begin += tile)
            work(begin, std::min(count, begin + tile));
        return;
    }
#if QUANTSCOPE_WITH_XNNPACK
    pthreadpool_parallelize_1d_tile_1d(
        m_pool,
        [](void *context, size_t begin, size_t n) {
            (*static_cast<const std::function<void(size_t, size_t)> *>(context))(begin,
                                                                                 begin + n);
        },
        const_cast<std::function<void(size_t, size_t)> *>(&work), count, tile, 0);
#endif
}

} // namespace quantscope::runtime
