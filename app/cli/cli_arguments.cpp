// SPDX-License-Identifier: MIT
#include "cli_arguments.h"

#include "error.h"

#include <cstdlib>
#include <sstream>

namespace quantscope::cli {

CliArguments::CliArguments(const std::vector<std::string> &args,
                           const std::set<std::string> &valueOptions,
                           const std::set<std::string> &flags)
{
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a.rfind("--", 0) != 0 || a == "--") {
            m_positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        const auto eq = name.find('=');
        const bool inlineValue = eq != std::string::npos;
        if (inlineValue) {
            value = name.substr(eq + 1);
            name.erase(eq);
        }
        if (flags.count(name)) {
            m_values[name].push_back("true");
        } else if (valueOptions.count(name)) {
            if (!inlineValue) {
                if (i + 1 >= args.size())
                    throw Error("--" + name + " needs a value");
                value = args[++i];
            }
            m_values[name].push_back(value);
        } else {
            throw Error("unknown option --" + name);
        }
    }
}

std::string CliArguments::positional(size_t index, const char *what) const
{
    if (index >= m_positional.size())
        throw Error(std::string("missing ") + what);
    return m_positional[index];
}

int64_t CliArguments::runNumber(size_t index) const
{
    const std::string id = positional(index, "RUN");
    char *end = nullptr;
    const long long run = std::strtoll(id.c_str(), &end, 10);
    if (id.empty() || *end != '\0' || run <= 0)
        throw Error("RUN must be a run number (see runs list), got '" + id + "'");
    return run;
}

bool CliArguments::has(const std::string &option) const
{
    return m_values.count(option) > 0;
}

std::string CliArguments::value(const std::string &option, const std::string &fallback) const
{
    const auto it = m_values.find(option);
    return it == m_values.end() ? fallback : it->second.back();
}

std::string CliArguments::required(const std::string &option) const
{
    if (!has(option))
        throw Error("missing --" + option);
    return value(option);
}

long long CliArguments::integer(const std::string &option, long long fallback) const
{
    if (!has(option))
        return fallback;
    const std::string text = value(option);
    char *end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0')
        throw Error("--" + option + ": '" + text + "' is not a whole number");
    return v;
}

double CliArguments::real(const std::string &option, double fallback) const
{
    if (!has(option))
        return fallback;
    const std::string text = value(option);
    char *end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0')
        throw Error("--" + option + ": '" + text + "' is not a number");
    return v;
}

std::vector<float> CliArguments::floats(const std::string &option) const
{
    std::vector<float> out;
    if (!has(option))
        return out;
    std::stringstream in(value(option));
    for (std::string item; std::getline(in, item, ',');) {
        char *end = nullptr;
        const float v = std::strtof(item.c_str(), &end);
        if (item.empty() || *end != '\0')
            throw Error("--" + option + ": '" + item + "' is not a number");
        out.push_back(v);
    }
    return out;
}

const std::vector<std::string> &CliArguments::all(const std::string &option) const
{
    static const std::vector<std::string> kNone;
    const auto it = m_values.find(option);
    return it == m_values.end() ? kNone : it->second;
}

} // namespace quantscope::cli
