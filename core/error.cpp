// SPDX-License-Identifier: MIT
#include "error.h"

namespace quantscope {

namespace {

std::string lineAt(const std::string &text, size_t start)
{
    const auto end = text.find('\n', start);
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

} // namespace

std::string errorLine(const std::string &text)
{
    const auto start = text.find_first_not_of(" \n\t");
    if (start == std::string::npos)
        return {};
    // The interpreter's first line says only that an op failed; the error itself ends the
    // text ("RuntimeError: …"), after the model's code and the Python frames that traced it,
    // innermost first.
    if (text.compare(start, 33, "The following operation failed in") != 0)
        return lineAt(text, start);
    size_t causeAt = std::string::npos;
    for (size_t at = text.rfind("Error: "); at != std::string::npos && at > 0;
         at = text.rfind("Error: ", at - 1)) {
        const size_t begin = text.rfind('\n', at) + 1; // npos + 1 is 0
        if (text.find(' ', begin) > at) { // one word ending in Error: a Python exception's
            causeAt = begin;
            break;
        }
    }
    if (causeAt == std::string::npos)
        return lineAt(text, start);
    std::string cause = lineAt(text, text.find(' ', causeAt) + 1);
    // The first frame of the model's own code, past PyTorch's modules (nn.Linear's forward).
    const std::string original = "original code (most recent call last):\n";
    for (size_t frame = text.find(original); frame < causeAt;) {
        frame = text.find('\n', frame) + 1;
        const auto line = lineAt(text, frame);
        if (frame >= causeAt || line.empty())
            break;
        if (line.find("/torch/") == std::string::npos)
            return cause + " (at " + line + ")";
    }
    return cause;
}

} // namespace quantscope
