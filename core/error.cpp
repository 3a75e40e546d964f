// SPDX-License-Identifier: MIT
#include "error.h"

namespace quantscope {

std::string firstLine(const std::string &text)
{
    const auto start = text.find_first_not_of(" \n\t");
    if (start == std::string::npos)
        return {};
    const auto end = text.find('\n', start);
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

} // namespace quantscope
