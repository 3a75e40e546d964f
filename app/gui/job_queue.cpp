// SPDX-License-Identifier: MIT
#include "job_queue.h"

#include "error.h"

#include <QThread>

#include <atomic>
#include <chrono>

namespace quantscope::gui {

// What the worker and the GUI thread share for one job. The worker writes status/message
// before the thread finishes; the GUI reads them after QThread::finished.
struct JobQueue::Running
{
    explicit Running(jobs::QuantizeRequest request) : job(std::move(request)) {}
    jobs::QuantizeJob job;
    jobs::JobContext context;
    QString status;
    QString message;
    std::atomic<qint64> runId{0};
};

JobQueue::JobQueue(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<quantscope::jobs::LayerSnapshot>();
    qRegisterMetaType<quantscope::jobs::MetricPoint>();
}

JobQueue::~JobQueue()
{
    m_pending.clear();
    if (m_thread) {
        m_running->context.cancel();
        m_thread->wait();
    }
}

void JobQueue::enqueue(jobs::QuantizeRequest request)
{
    m_pending.push_back(std::move(request));
    Q_EMIT queueChanged(pendingCount());
    if (!m_thread)
        startNext();
}

void JobQueue::cancelCurrent()
{
    if (m_running)
        m_running->context.cancel();
}

void JobQueue::cancelAll()
{
    m_pending.clear();
    Q_EMIT queueChanged(0);
    cancelCurrent();
}

void JobQueue::startNext()
{
    if (m_pending.empty())
        return;
    auto running = std::make_shared<Running>(std::move(m_pending.front()));
    m_pending.pop_front();
    m_running = running;
    m_currentTitle = QString::fromStdString(running->job.title());

    // The callbacks run on the worker; emitting from there queues into the GUI thread.
    // Progress is thinned to 20 updates a second: a method may report every step.
    // A raw pointer: the callbacks live inside *running, so a shared_ptr would be a cycle.
    Running *r = running.get();
    auto lastProgress = std::make_shared<std::chrono::steady_clock::time_point>();
    r->context.onProgress = [this, r, lastProgress](double fraction, const std::string &stage) {
        if (r->runId == 0 && r->job.runId() != 0) {
            r->runId = r->job.runId();
            Q_EMIT runRecorded(r->runId);
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - *lastProgress < std::chrono::milliseconds(50) && fraction < 1.0)
            return;
        *lastProgress = now;
        Q_EMIT progress(fraction, QString::fromStdString(stage));
    };
    r->context.onSnapshot = [this](const jobs::LayerSnapshot &s) { Q_EMIT snapshot(s); };
    r->context.onMetric = [this](const jobs::MetricPoint &p) { Q_EMIT metric(p); };
    r->context.onWarning = [this](const std::string &message) {
        Q_EMIT warning(QString::fromStdString(message));
    };

    m_thread = QThread::create([running] {
        try {
            running->job.run(running->context);
            running->status = QStringLiteral("finished");
        } catch (const Cancelled &) {
            running->status = QStringLiteral("cancelled");
            running->message = QObject::tr("Cancelled by the user");
        } catch (const std::exception &e) {
            running->status = QStringLiteral("failed");
            running->message = QString::fromStdString(firstLine(e.what()));
        }
        running->runId = running->job.runId();
    });
    m_thread->setObjectName(QStringLiteral("quantscope-job"));
    connect(m_thread, &QThread::finished, this, &JobQueue::finishCurrent);
    m_clock.start();
    Q_EMIT jobStarted(m_currentTitle);
    Q_EMIT queueChanged(pendingCount());
    m_thread->start();
}

void JobQueue::finishCurrent()
{
    m_thread->deleteLater();
    m_thread = nullptr;
    auto finished = std::move(m_running);
    m_currentTitle.clear();
    m_clock.invalidate();
    Q_EMIT jobFinished(finished->runId, finished->status, finished->message);
    startNext();
}

} // namespace quantscope::gui
