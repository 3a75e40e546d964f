// SPDX-License-Identifier: MIT
#include "job_queue.h"

#include "error.h"
#include "torch_runtime.h"

#include <QMetaObject>

#include <pthread.h>

#include <chrono>
#include <mutex>
#include <variant>
#include <vector>

namespace quantscope::gui {

namespace {
struct Progress
{
    double fraction;
    std::string stage;
};
struct RunRecorded
{
    qint64 runId;
};
struct Warning
{
    std::string message;
};
struct Finished
{
};
using Report = std::variant<Progress, RunRecorded, jobs::LayerSnapshot, jobs::MetricPoint,
                            Warning, Finished>;
} // namespace

// What the worker and the GUI thread share for one job. The worker appends reports to the
// outbox under the mutex; the GUI thread takes them out under it. Everything that crosses
// threads goes through that std::mutex or the worker's join, never through Qt's event queue
// alone: the hand-over is then plain C++ and visible to ThreadSanitizer, whose view of Qt's
// own (uninstrumented, futex-based) locks is blind.
struct JobQueue::Running
{
    explicit Running(jobs::QuantizeRequest request) : job(std::move(request)) {}
    jobs::QuantizeJob job;
    jobs::JobContext context;
    std::mutex mutex;
    std::vector<Report> outbox;
    // Written by the worker (runId as soon as the job records its run), read by the GUI thread
    // once it has taken Finished out of the outbox.
    std::string status;
    std::string message;
    qint64 runId = 0;
};

JobQueue::JobQueue(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<quantscope::jobs::LayerSnapshot>();
    qRegisterMetaType<quantscope::jobs::MetricPoint>();
}

JobQueue::~JobQueue()
{
    m_pending.clear();
    if (m_running)
        m_running->context.cancel();
    if (m_worker.joinable())
        m_worker.join();
    // A drain still posted for this object is discarded with it by ~QObject.
}

void JobQueue::enqueue(jobs::QuantizeRequest request)
{
    m_pending.push_back(std::move(request));
    Q_EMIT queueChanged(pendingCount());
    if (!m_running)
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

    // Runs on the worker. One drain is posted when the outbox turns non-empty, and posted while
    // the mutex is held, so the drain's own lock orders the GUI thread after everything the
    // worker did up to then. At most one drain is in flight. It is posted by name: Qt then
    // builds and reads the call entirely inside QtCore, whereas a functor would be a C++ object
    // written here and read on the GUI thread before drain() could take the lock.
    // A raw pointer: the callbacks live inside *running, so a shared_ptr would be a cycle.
    Running *r = running.get();
    auto post = [this, r](Report report) {
        std::lock_guard<std::mutex> lock(r->mutex);
        r->outbox.push_back(std::move(report));
        if (r->outbox.size() == 1)
            QMetaObject::invokeMethod(this, "drain", Qt::QueuedConnection);
    };
    // Progress is thinned to 20 updates a second: a method may report every step.
    auto lastProgress = std::make_shared<std::chrono::steady_clock::time_point>();
    r->context.onProgress = [r, post, lastProgress](double fraction, const std::string &stage) {
        if (r->runId == 0 && r->job.runId() != 0) {
            r->runId = r->job.runId();
            post(RunRecorded{r->runId});
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - *lastProgress < std::chrono::milliseconds(50) && fraction < 1.0)
            return;
        *lastProgress = now;
        post(Progress{fraction, stage});
    };
    r->context.onSnapshot = [post](const jobs::LayerSnapshot &s) { post(s); };
    r->context.onMetric = [post](const jobs::MetricPoint &p) { post(p); };
    r->context.onWarning = [post](const std::string &message) { post(Warning{message}); };

    m_clock.start();
    Q_EMIT jobStarted(m_currentTitle);
    Q_EMIT queueChanged(pendingCount());
    m_worker = std::thread([r, post] {
        pthread_setname_np(pthread_self(), "quantscope-job");
        try {
            r->job.run(r->context);
            r->status = "finished";
        } catch (const Cancelled &) {
            r->status = "cancelled";
            r->message = QObject::tr("Cancelled by the user").toStdString();
        } catch (const std::exception &e) {
            r->status = "failed";
            r->message = errorLine(e.what());
        }
        r->runId = r->job.runId();
        // The run's buffers are freed but kept mapped for reuse (TorchRuntime): a finished
        // BRECQ run on ResNet-18 at 224x224 would otherwise keep 4 GB resident.
        TorchRuntime::releaseFreedMemory();
        post(Finished{});
    });
}

void JobQueue::drain()
{
    if (!m_running)
        return;
    std::vector<Report> reports;
    {
        std::lock_guard<std::mutex> lock(m_running->mutex);
        reports.swap(m_running->outbox);
    }
    bool finished = false;
    for (const Report &report : reports) {
        if (const auto *p = std::get_if<Progress>(&report))
            Q_EMIT progress(p->fraction, QString::fromStdString(p->stage));
        else if (const auto *r = std::get_if<RunRecorded>(&report))
            Q_EMIT runRecorded(r->runId);
        else if (const auto *s = std::get_if<jobs::LayerSnapshot>(&report))
            Q_EMIT snapshot(*s);
        else if (const auto *m = std::get_if<jobs::MetricPoint>(&report))
            Q_EMIT metric(*m);
        else if (const auto *w = std::get_if<Warning>(&report))
            Q_EMIT warning(QString::fromStdString(w->message));
        else
            finished = true;
    }
    if (finished)
        finishCurrent();
}

void JobQueue::finishCurrent()
{
    // The worker has posted its last report and is leaving: the join is immediate.
    m_worker.join();
    auto finished = std::move(m_running);
    m_currentTitle.clear();
    m_clock.invalidate();
    Q_EMIT jobFinished(finished->runId, QString::fromStdString(finished->status),
                       QString::fromStdString(finished->message));
    startNext();
}

} // namespace quantscope::gui
