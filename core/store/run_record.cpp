// SPDX-License-Identifier: MIT
#include "run_record.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace quantscope::store {

namespace {

std::string activationPart(int abits)
{
    return "A" + std::to_string(abits >= 32 ? 32 : abits);
}

// Two decimals at most, no trailing zeros: 2.5, 2.56, 3.
std::string shortNumber(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    std::string out = text;
    while (out.back() == '0')
        out.pop_back();
    if (out.back() == '.')
        out.pop_back();
    return out;
}

} // namespace

std::string RunRecord::bitsLabel(int wbits, int abits, double targetBits)
{
    if (targetBits > 0)
        return "W≤" + shortNumber(targetBits) + activationPart(abits);
    return "W" + std::to_string(wbits) + activationPart(abits);
}

std::string RunRecord::bitsLabel() const
{
    const auto config = nlohmann::json::parse(configJson, nullptr, false);
    if (!config.is_object() || !config.contains("allocated_bits") ||
        !config["allocated_bits"].is_number())
        return bitsLabel(wbits, abits, 0);
    if (avgWbits > 0)
        return "W" + shortNumber(avgWbits) + activationPart(abits);
    return bitsLabel(wbits, abits, config["allocated_bits"].get<double>());
}

} // namespace quantscope::store
