// SPDX-License-Identifier: MIT
#include "method.h"

#include "error.h"
#include "rtn_method.h"

namespace quantscope::quant {

std::vector<std::string> Method::names()
{
    return {"rtn"};
}

std::unique_ptr<Method> Method::create(const std::string &name)
{
    if (name == "rtn")
        return std::make_unique<RtnMethod>();
    std::string list;
    for (const auto &n : names())
        list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown method '" + name + "' (available: " + list + ")");
}

} // namespace quantscope::quant
