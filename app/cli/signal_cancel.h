// SPDX-License-Identifier: MIT
// SignalCancel: while one lives, Ctrl-C (SIGINT) or SIGTERM cancels a job's context instead of
// killing the CLI, so the job ends as the GUI's Cancel ends it: a quantize run is stored as
// cancelled, or evaluated and stored with what its method kept (CPQ's best finished epoch),
// and a deploy stops the device's agent, which only a cancel reaches. Every signal cancels, a
// second one too: killing a deploy would leave the agent running on the device. (A job checks
// at every iteration or chunk of work; BRECQ on ResNet-18 at 224×224 noticed within 2.3 s.)
#pragma once

#include "jobs/job_context.h"

namespace quantscope::cli {

class SignalCancel
{
public:
    explicit SignalCancel(jobs::JobContext &context);
    ~SignalCancel();
    SignalCancel(const SignalCancel &) = delete;
    SignalCancel &operator=(const SignalCancel &) = delete;
};

} // namespace quantscope::cli
