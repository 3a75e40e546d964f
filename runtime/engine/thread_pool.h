// SPDX-License-Identifier: MIT
// ThreadPool: the worker threads one model runs on — pthreadpool's, the pool XNNPACK's
// operators take too, so both backends are timed on the same threads. A build without XNNPACK
// has no pthreadpool either: there it runs on the calling thread alone (threads() says 1).
#pragma once

#include <cstddef>
#include <functional>

struct pthreadpool;

namespace quantscope::runtime {

class ThreadPool
{
public:
    explicit ThreadPool(size_t threads); // 1: everything on the calling thread
    ~ThreadPool();
    ThreadPool(const ThreadPool &) = delete;
    ThreadPool &operator=(const ThreadPool &) = delete;

    size_t threads() const { return m_threads; }
    pthreadpool *handle() const { return m_pool; }
    // Calls work(begin, end) over [0, count) in tiles of `tile`, on every thread.
    void parallelFor(size_t count, size_t tile, const std::function<void(size_t, size_t)> &work);

private:
    size_t m_threads;
    pthreadpool *m_pool = nullptr;
};

} // namespace quantscope::runtime
