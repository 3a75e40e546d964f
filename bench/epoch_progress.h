// SPDX-License-Identifier: MIT
// EpochProgress: what the QAT benchmarks follow of a job — the mean seconds per epoch, and each
// epoch's test top-1 on stderr as it comes (a long benchmark shows it is alive).
#pragma once

#include "jobs/job_context.h"

#include <cstdio>
#include <string>

namespace quantscope::bench {

class EpochProgress
{
public:
    // label: "dsq W2A2", printed before each epoch's top-1.
    EpochProgress(jobs::JobContext &context, std::string label) : m_label(std::move(label))
    {
        context.onMetric = [this](const jobs::MetricPoint &p) {
            if (p.series == "epoch_seconds") {
                m_seconds += p.value;
                ++m_epochs;
            } else if (p.series == "test_top1") {
                std::fprintf(stderr, "  %s epoch %.0f: test top-1 %.2f %%\n", m_label.c_str(),
                             p.step, p.value * 100);
            }
        };
    }

    double secondsPerEpoch() const { return m_epochs ? m_seconds / m_epochs : 0.0; }

private:
    std::string m_label;
    double m_seconds = 0;
    int m_epochs = 0;
};

} // namespace quantscope::bench
