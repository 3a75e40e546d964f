// SPDX-License-Identifier: MIT
// Job: a unit of long work (a quantization run, an evaluation, a training) that reports through
// a JobContext. Runs on whatever thread calls run(); owns no thread itself.
#pragma once

#include "job_context.h"

namespace quantscope::jobs {

class Job
{
public:
    virtual ~Job() = default;
    virtual std::string title() const = 0;
    // Throws quantscope::Error on failure and quantscope::Cancelled when cancelled.
    virtual void run(JobContext &context) = 0;
};

} // namespace quantscope::jobs
