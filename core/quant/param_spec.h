// SPDX-License-Identifier: MIT
// ParamSpec: one parameter a method takes — name, type, range, default, help, and the setting it
// depends on. The GUI builds its form from these and the CLI validates --set key=value against
// them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace quantscope::quant {

struct ParamSpec
{
    enum class Type { Int, Double, Bool, Choice };
    // The parameter applies only while another one has a value (target_bits only with
    // mixed_precision=true): the form greys it out otherwise and a run that sets it anyway
    // says it had no effect. An empty key: always applies.
    struct Condition
    {
        std::string key;
        std::string value; // as the settings write it ("true", a choice's name)
    };

    // A constructor rather than an aggregate, so the specs that have no condition leave it out
    // without -Wmissing-field-initializers.
    ParamSpec(std::string key, std::string label, Type type, std::string defaultValue,
              double minimum = 0, double maximum = 0, std::vector<std::string> choices = {},
              std::string help = {}, Condition appliesWhen = {})
        : key(std::move(key)), label(std::move(label)), type(type),
          defaultValue(std::move(defaultValue)), minimum(minimum), maximum(maximum),
          choices(std::move(choices)), help(std::move(help)), appliesWhen(std::move(appliesWhen))
    {
    }

    std::string key;   // --set key=value
    std::string label; // form label
    Type type = Type::Int;
    std::string defaultValue;
    double minimum = 0; // Int and Double
    double maximum = 0;
    std::vector<std::string> choices; // Choice
    std::string help;
    Condition appliesWhen;
};

} // namespace quantscope::quant
