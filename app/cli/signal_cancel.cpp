// SPDX-License-Identifier: MIT
#include "signal_cancel.h"

#include <csignal>

namespace quantscope::cli {

namespace {

jobs::JobContext *g_running = nullptr;

// Only async-signal-safe work: setting the context's atomic flag.
extern "C" void cancelOnSignal(int)
{
    if (g_running)
        g_running->cancel();
}

} // namespace

SignalCancel::SignalCancel(jobs::JobContext &context)
{
    g_running = &context;
    std::signal(SIGINT, cancelOnSignal);
    std::signal(SIGTERM, cancelOnSignal);
}

SignalCancel::~SignalCancel()
{
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_running = nullptr;
}

} // namespace quantscope::cli
