// SPDX-License-Identifier: MIT
#include "worker_thread.h"

#include "torch_runtime.h"

#include <QThread>

namespace quantscope::gui {

WorkerThread::~WorkerThread()
{
    if (m_thread)
        m_thread->wait();
}

void WorkerThread::start(std::function<void()> work, std::function<void()> done)
{
    if (m_thread)
        return;
    m_thread = QThread::create(std::move(work));
    m_thread->setParent(this);
    connect(m_thread, &QThread::finished, this, [this, done = std::move(done)] {
        m_thread->deleteLater();
        m_thread = nullptr;
        TorchRuntime::releaseFreedMemory(); // what the work freed (an export: the whole model)
        done();
    });
    m_thread->start();
}

} // namespace quantscope::gui
