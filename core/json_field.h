// SPDX-License-Identifier: MIT
// jsonField: one field of a JSON record that came from outside this process — a workspace file,
// a run's stored settings, a device agent's answer — or `fallback` where the record is not an
// object, or the field is missing or of another type. nlohmann's value() and get() throw
// type_error on a mismatch; what another program, another version or a damaged disk left must
// not take a reader down. Integers come only from integers (a float out of range would make the
// conversion undefined); a JSON value only of the fallback's own type (object, array, …).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>

namespace quantscope {

template <typename T>
T jsonField(const nlohmann::json &record, const char *key, T fallback)
{
    if (!record.is_object())
        return fallback;
    const auto found = record.find(key);
    if (found == record.end())
        return fallback;
    if constexpr (std::is_same_v<T, nlohmann::json>) {
        return found->type() == fallback.type() ? *found : fallback;
    } else {
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
            if (!found->is_number_integer())
                return fallback;
        try {
            return found->template get<T>();
        } catch (const nlohmann::json::exception &) {
            return fallback;
        }
    }
}

inline std::string jsonField(const nlohmann::json &record, const char *key, const char *fallback)
{
    return jsonField(record, key, std::string(fallback));
}

} // namespace quantscope
