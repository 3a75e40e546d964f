// SPDX-License-Identifier: MIT
#include "model_metadata.h"

#include <nlohmann/json.hpp>

namespace quantscope::model {

namespace {

using Json = nlohmann::json;

// Numbers are taken only within these ranges: converting one outside (1e40 to an integer or a
// float) is undefined behaviour, not an error, in nlohmann's get<>.
constexpr double kMaxSide = 1 << 20;
constexpr double kMaxStatistic = 1e30;

// An array of numbers each within [low, high] (integral when `integral`); else empty.
template <typename T>
std::vector<T> numbers(const Json &j, const char *key, double low, double high, bool integral)
{
    const auto found = j.find(key);
    if (found == j.end() || !found->is_array())
        return {};
    std::vector<T> out;
    for (const auto &v : *found) {
        if (!v.is_number() || (integral && !v.is_number_integer()))
            return {};
        const double x = v.get<double>();
        if (!(x >= low && x <= high))
            return {};
        out.push_back(static_cast<T>(x));
    }
    return out;
}

} // namespace

ModelMetadata ModelMetadata::parse(const std::string &json)
{
    ModelMetadata m;
    const auto j = Json::parse(json, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return m;
    m.inputShape = numbers<int64_t>(j, "input_shape", 1, kMaxSide, true);
    m.mean = numbers<float>(j, "mean", -kMaxStatistic, kMaxStatistic, false);
    m.std = numbers<float>(j, "std", -kMaxStatistic, kMaxStatistic, false);
    if (const auto notes = j.find("notes"); notes != j.end() && notes->is_string())
        m.notes = notes->get<std::string>();
    return m;
}

std::string ModelMetadata::toJson() const
{
    nlohmann::json j;
    j["input_shape"] = inputShape;
    if (!mean.empty())
        j["mean"] = mean;
    if (!std.empty())
        j["std"] = std;
    if (!notes.empty())
        j["notes"] = notes;
    return j.dump();
}

} // namespace quantscope::model
