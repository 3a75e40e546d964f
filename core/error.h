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
// failure.
class Cancelled : public std::runtime_error
{
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

// First line of a LibTorch error, without the C++ backtrace that follows it.
std::string firstLine(const std::string &text);

} // namespace quantscope
