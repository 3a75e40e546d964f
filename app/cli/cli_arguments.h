// SPDX-License-Identifier: MIT
// CliArguments: quantscope-cli's command line — a command, positional arguments, --options with
// values, flags and repeatable --set key=value — with errors that say which argument is wrong.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace quantscope::cli {

class CliArguments
{
public:
    // valueOptions take a value (--data PATH); flags do not (--json). Throws quantscope::Error
    // for an option not in either set or a value missing.
    CliArguments(const std::vector<std::string> &args, const std::set<std::string> &valueOptions,
                 const std::set<std::string> &flags);

    const std::vector<std::string> &positional() const { return m_positional; }
    std::string positional(size_t index, const char *what) const;
    // A RUN argument: a positive run number (see runs list).
    int64_t runNumber(size_t index) const;

    bool has(const std::string &option) const;
    std::string value(const std::string &option, const std::string &fallback = {}) const;
    std::string required(const std::string &option) const;
    long long integer(const std::string &option, long long fallback) const;
    double real(const std::string &option, double fallback) const;
    std::vector<float> floats(const std::string &option) const; // "a,b,c"
    const std::vector<std::string> &all(const std::string &option) const; // repeated values

private:
    std::vector<std::string> m_positional;
    std::map<std::string, std::vector<std::string>> m_values;
};

} // namespace quantscope::cli
