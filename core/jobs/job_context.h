// SPDX-License-Identifier: MIT
// JobContext: how a running job talks to whoever started it — progress, a cancel flag, and an
// event sink for snapshots and metric points. The only threading contract of core.
#pragma once

#include "layer_snapshot.h"

#include <atomic>
#include <functional>
#include <string>

namespace quantscope::jobs {

struct MetricPoint
{
    std::string series; // e.g. "loss", "top1", "block3/recon"
    double step = 0;
    double value = 0;
};

// The job calls the callbacks on its own (worker) thread; a GUI re-emits them as queued
// signals. cancel() may be called from any thread; the job notices it at its next
// checkCancelled(), which every method calls at least once per iteration.
class JobContext
{
public:
    JobContext() = default;
    std::function<void(double fraction, const std::string &stage)> onProgress;
    std::function<void(const LayerSnapshot &)> onSnapshot;
    std::function<void(const MetricPoint &)> onMetric;
    // Something the user should know that does not stop the job (a near-chance float model,
    // skipped images).
    std::function<void(const std::string &)> onWarning;

    void progress(double fraction, const std::string &stage) const
    {
        if (onProgress)
            onProgress(fraction, stage);
    }
    void snapshot(const LayerSnapshot &s) const
    {
        if (onSnapshot)
            onSnapshot(s);
    }
    void metric(const std::string &series, double step, double value) const
    {
        if (onMetric)
            onMetric({series, step, value});
    }

    void warn(const std::string &message) const
    {
        if (onWarning)
            onWarning(message);
    }

    void cancel() { m_cancelled = true; }
    bool isCancelled() const { return m_cancelled || (m_parent && m_parent->isCancelled()); }
    // Throws quantscope::Cancelled once cancel() was called (here or on the parent).
    void checkCancelled() const;

    // A context for one stage of this job: its progress 0…1 maps to from…to here, its events
    // pass through, and cancelling this job cancels the stage. Must not outlive this context.
    JobContext stage(double from, double to) const;

private:
    JobContext(const JobContext *parent, double from, double to);

    std::atomic<bool> m_cancelled{false};
    const JobContext *m_parent = nullptr;
};

} // namespace quantscope::jobs
