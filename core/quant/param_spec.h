// SPDX-License-Identifier: MIT
// ParamSpec: one parameter a method takes — name, type, range, default, help. The GUI builds its
// form from these and the CLI validates --set key=value against them.
#pragma once

#include <string>
#include <vector>

namespace quantscope::quant {

struct ParamSpec
{
    enum class Type { Int, Double, Bool, Choice };

    std::string key;   // --set key=value
    std::string label; // form label
    Type type = Type::Int;
    std::string defaultValue;
    double minimum = 0; // Int and Double
    double maximum = 0;
    std::vector<std::string> choices; // Choice
    std::string help;
};

} // namespace quantscope::quant
