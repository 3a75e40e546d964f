// SPDX-License-Identifier: MIT
// JobQueue: runs quantization jobs one after another on a worker thread and re-emits their
// progress, snapshots and metric points as signals on the GUI thread, so the window never waits
// on a job. Every signal is emitted on the thread that owns the queue.
#pragma once

#include "jobs/quantize_job.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <deque>
#include <memory>
#include <thread>

namespace quantscope::gui {

class JobQueue : public QObject
{
    Q_OBJECT
public:
    explicit JobQueue(QObject *parent = nullptr);
    // Cancels what runs and waits for it, so a closing window never leaves a thread behind.
    ~JobQueue() override;

    void enqueue(jobs::QuantizeRequest request);
    void cancelCurrent();
    void cancelAll();
    bool isBusy() const { return m_running != nullptr; }
    int pendingCount() const { return int(m_pending.size()); }
    QString currentTitle() const { return m_currentTitle; }
    qint64 elapsedMs() const { return m_clock.isValid() ? m_clock.elapsed() : 0; }

Q_SIGNALS:
    void jobStarted(const QString &title);
    void progress(double fraction, const QString &stage);
    // The job recorded its run in the workspace: from now on it is listed there.
    void runRecorded(qint64 runId);
    void snapshot(const quantscope::jobs::LayerSnapshot &snapshot);
    void metric(const quantscope::jobs::MetricPoint &point);
    // The running job found something the user should know (a near-chance float model).
    void warning(const QString &message);
    // status: finished | failed | cancelled; message: why, for the latter two. runId is 0 when
    // the job failed before recording a run (bad input).
    void jobFinished(qint64 runId, const QString &status, const QString &message);
    void queueChanged(int pending);

private:
    struct Running;
    void startNext();
    // Emits, on the GUI thread, what the worker has reported since the last call. Invokable:
    // the worker posts it by name (see startNext for why).
    Q_INVOKABLE void drain();
    void finishCurrent();

    std::deque<jobs::QuantizeRequest> m_pending;
    std::shared_ptr<Running> m_running;
    std::thread m_worker;
    QString m_currentTitle;
    QElapsedTimer m_clock;
};

} // namespace quantscope::gui
