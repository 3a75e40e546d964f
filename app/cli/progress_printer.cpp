// SPDX-License-Identifier: MIT
#include "progress_printer.h"

#include "signal_cancel.h"

#include <cstdio>
#include <unistd.h>

namespace quantscope::cli {

ProgressPrinter::ProgressPrinter(std::string title)
    : m_title(std::move(title)), m_start(std::chrono::steady_clock::now()),
      m_interactive(isatty(fileno(stderr)))
{
}

ProgressPrinter::~ProgressPrinter()
{
    finish();
}

void ProgressPrinter::attach(jobs::JobContext &context)
{
    context.onProgress = [this](double f, const std::string &stage) { update(f, stage); };
    context.onWarning = [this](const std::string &message) { warn(message); };
}

void ProgressPrinter::warn(const std::string &message)
{
    finish();
    std::fprintf(stderr, "warning: %s\n", message.c_str());
    std::fflush(stderr);
}

void ProgressPrinter::update(double fraction, const std::string &stage)
{
    const auto now = std::chrono::steady_clock::now();
    // A log file gets a line every 5 s; a terminal a redrawn bar every 0.1 s.
    const auto interval = m_interactive ? std::chrono::milliseconds(100) : std::chrono::seconds(5);
    if (m_drawn && now - m_lastDraw < interval && fraction < 1.0)
        return;
    m_lastDraw = now;
    m_drawn = true;
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth + 0.5);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "%s%s [%s] %3.0f%% %-28s %6.1fs%s", m_interactive ? "\r" : "",
                 m_title.c_str(), bar.c_str(), fraction * 100, stage.c_str(), elapsed,
                 m_interactive ? "" : "\n");
    std::fflush(stderr);
}

void ProgressPrinter::runJob(jobs::Job &job)
{
    jobs::JobContext context;
    ProgressPrinter printer(job.title());
    printer.attach(context);
    const SignalCancel cancelOnSignal(context);
    job.run(context);
}

void ProgressPrinter::finish()
{
    if (m_drawn && m_interactive)
        std::fprintf(stderr, "\n");
    m_drawn = false;
}

} // namespace quantscope::cli
