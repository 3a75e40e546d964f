// SPDX-License-Identifier: MIT
#include "job_context.h"

#include "error.h"

namespace quantscope::jobs {

void JobContext::checkCancelled() const
{
    if (isCancelled())
        throw Cancelled();
}

JobContext JobContext::stage(double from, double to) const
{
    return JobContext(this, from, to);
}

JobContext::JobContext(const JobContext *parent, double from, double to) : m_parent(parent)
{
    onProgress = [parent, from, to](double f, const std::string &stage) {
        parent->progress(from + (to - from) * f, stage);
    };
    onSnapshot = [parent](const LayerSnapshot &s) { parent->snapshot(s); };
    onMetric = [parent](const MetricPoint &p) {
        if (parent->onMetric)
            parent->onMetric(p);
    };
    onWarning = [parent](const std::string &message) { parent->warn(message); };
}

} // namespace quantscope::jobs
