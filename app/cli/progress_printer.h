// SPDX-License-Identifier: MIT
// ProgressPrinter: a one-line progress bar on stderr (redrawn at most ten times a second), so
// stdout stays clean for --json.
#pragma once

#include "jobs/job.h"

#include <chrono>
#include <string>

namespace quantscope::cli {

class ProgressPrinter
{
public:
    explicit ProgressPrinter(std::string title);
    ~ProgressPrinter();
    // Hooks the printer to a job's progress and warnings; leaves snapshots and metrics alone.
    void attach(jobs::JobContext &context);
    void update(double fraction, const std::string &stage);
    // "warning: …" on a line of its own, below the bar.
    void warn(const std::string &message);
    void finish();

    // Runs a job on this thread with a progress bar titled after it; Ctrl-C cancels it.
    static void runJob(jobs::Job &job);

private:
    std::string m_title;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_lastDraw;
    bool m_drawn = false;
    bool m_interactive;
};

} // namespace quantscope::cli
