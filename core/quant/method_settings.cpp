// SPDX-License-Identifier: MIT
#include "method_settings.h"

#include "error.h"

#include <cstdlib>
#include <iomanip>
#include <sstream>

namespace quantscope::quant {

namespace {

// A bound as the user would type it: "4096", not std::to_string's "4096.000000".
std::string boundText(double bound)
{
    std::ostringstream out;
    out << std::setprecision(15) << bound;
    return out.str();
}

bool parseNumber(const std::string &text, double &out)
{
    char *end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return !text.empty() && end && *end == '\0';
}

void check(const ParamSpec &spec, const std::string &value)
{
    const std::string where = "setting " + spec.key + "=" + value + ": ";
    double number = 0;
    switch (spec.type) {
    case ParamSpec::Type::Int:
    case ParamSpec::Type::Double:
        if (!parseNumber(value, number))
            throw Error(where + "not a number");
        if (spec.type == ParamSpec::Type::Int && number != static_cast<long long>(number))
            throw Error(where + "not a whole number");
        if (number < spec.minimum || number > spec.maximum)
            throw Error(where + "outside " + boundText(spec.minimum) + " … " +
                        boundText(spec.maximum));
        break;
    case ParamSpec::Type::Bool:
        if (value != "true" && value != "false" && value != "1" && value != "0")
            throw Error(where + "expected true or false");
        break;
    case ParamSpec::Type::Choice: {
        std::string list;
        for (const auto &c : spec.choices) {
            if (c == value)
                return;
            list += (list.empty() ? "" : ", ") + c;
        }
        throw Error(where + "expected one of " + list);
    }
    }
}

} // namespace

MethodSettings::MethodSettings(std::vector<ParamSpec> specs,
                               std::map<std::string, std::string> values)
    : m_specs(std::move(specs)), m_values(std::move(values))
{
    for (const auto &[key, value] : m_values) {
        bool known = false;
        for (const auto &s : m_specs)
            known = known || s.key == key;
        if (!known) {
            std::string list;
            for (const auto &s : m_specs)
                list += (list.empty() ? "" : ", ") + s.key;
            throw Error("unknown setting '" + key + "' (known: " + list + ")");
        }
        check(spec(key), value);
    }
}

bool MethodSettings::has(const std::string &key) const
{
    for (const auto &s : m_specs)
        if (s.key == key)
            return true;
    return false;
}

const ParamSpec &MethodSettings::spec(const std::string &key) const
{
    for (const auto &s : m_specs)
        if (s.key == key)
            return s;
    throw Error("internal: no parameter named " + key);
}

std::string MethodSettings::text(const std::string &key) const
{
    const auto it = m_values.find(key);
    return it != m_values.end() ? it->second : spec(key).defaultValue;
}

int MethodSettings::integer(const std::string &key) const
{
    return static_cast<int>(std::strtol(text(key).c_str(), nullptr, 10));
}

double MethodSettings::real(const std::string &key) const
{
    return std::strtod(text(key).c_str(), nullptr);
}

bool MethodSettings::flag(const std::string &key) const
{
    const auto v = text(key);
    return v == "true" || v == "1";
}

const ParamSpec::Condition *MethodSettings::unmetCondition(const std::string &key) const
{
    const auto &when = spec(key).appliesWhen;
    if (when.key.empty())
        return nullptr;
    const bool holds = spec(when.key).type == ParamSpec::Type::Bool
                           ? flag(when.key) == (when.value == "true")
                           : text(when.key) == when.value;
    return holds ? unmetCondition(when.key) : &when;
}

bool MethodSettings::applies(const std::string &key) const
{
    return unmetCondition(key) == nullptr;
}

std::vector<std::string> MethodSettings::ineffective() const
{
    std::vector<std::string> out;
    for (const auto &[key, value] : m_values) {
        const auto &s = spec(key);
        // The default in another spelling ("3.0", "0") sets nothing.
        double number = 0, fallback = 0;
        bool isDefault = value == s.defaultValue;
        if (s.type == ParamSpec::Type::Bool)
            isDefault = flag(key) == (s.defaultValue == "true");
        else if (parseNumber(value, number) && parseNumber(s.defaultValue, fallback))
            isDefault = number == fallback;
        if (const auto *unmet = unmetCondition(key); unmet && !isDefault)
            out.push_back("setting " + key + "=" + value + " has no effect: it applies only with " +
                          unmet->key + "=" + unmet->value);
    }
    return out;
}

std::map<std::string, std::string> MethodSettings::effectiveValues() const
{
    std::map<std::string, std::string> out;
    for (const auto &s : m_specs)
        out[s.key] = text(s.key);
    return out;
}

} // namespace quantscope::quant
