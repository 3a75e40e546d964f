// SPDX-License-Identifier: MIT
#include "method.h"

#include "alq_method.h"
#include "brecq_method.h"
#include "cpq_method.h"
#include "dsq_method.h"
#include "error.h"
#include "rtn_method.h"

namespace quantscope::quant {

std::vector<std::string> Method::names()
{
    return {"rtn", "dsq", "cpq", "brecq", "alq"};
}

std::unique_ptr<Method> Method::create(const std::string &name)
{
    if (name == "rtn")
        return std::make_unique<RtnMethod>();
    if (name == "dsq")
        return std::make_unique<DsqMethod>();
    if (name == "cpq")
        return std::make_unique<CpqMethod>();
    if (name == "brecq")
        return std::make_unique<BrecqMethod>();
    if (name == "alq")
        return std::make_unique<AlqMethod>();
    std::string list;
    for (const auto &n : names())
        list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown method '" + name + "' (available: " + list + ")");
}

} // namespace quantscope::quant
