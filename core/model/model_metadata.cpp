// SPDX-License-Identifier: MIT
#include "model_metadata.h"

#include <nlohmann/json.hpp>

namespace quantscope::model {

ModelMetadata ModelMetadata::parse(const std::string &json)
{
    ModelMetadata m;
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return m;
    auto read = [&j](const char *key, auto &out) {
        try {
            if (j.contains(key))
                j.at(key).get_to(out);
        } catch (const nlohmann::json::exception &) {
            out = {};
        }
    };
    read("input_shape", m.inputShape);
    read("mean", m.mean);
    read("std", m.std);
    read("notes", m.notes);
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
