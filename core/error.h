// SPDX-License-Identifier: MIT
// quantscope::Error: the one exception core throws for problems a user can act on.
// Its message is a single line naming the file, op or layer concerned.
#pragma once

#include <stdexcept>
#include <string>

namespace quantscope {

class Error : public std::runtime_error
{
public:
    explicit Error(const std::string &message) : std::runtime_error(message) {}
};

// Thrown by JobContext::checkCancelled(); distinct from Error so a cancel is never reported as a
// failure. A method may rethrow it with what it kept ("after 3 of 10 blocks").
class Cancelled : public std::runtime_error
{
public:
    explicit Cancelled(const std::string &detail = {})
        : std::runtime_error(detail.empty() ? "cancelled" : "cancelled " + detail),
          m_detail(detail)
    {
    }
    const std::string &detail() const { return m_detail; }

private:
    std::string m_detail;
};

// The line of a LibTorch error a message quotes: its first, without the C++ backtrace that
// follows; for the TorchScript interpreter's traceback, the error it ends with and the model's
// source line that raised it, as the trace recorded it.
std::string errorLine(const std::string &text);

} // namespace quantscope
