// SPDX-License-Identifier: MIT
// MethodSettings: the bit-widths and key=value parameters of one run, checked against the
// method's ParamSpecs; missing keys read as the spec's default.
#pragma once

#include "param_spec.h"

#include <map>
#include <string>
#include <vector>

namespace quantscope::quant {

class MethodSettings
{
public:
    MethodSettings() = default;
    // Throws quantscope::Error naming the key for an unknown key or a bad or out-of-range value.
    MethodSettings(std::vector<ParamSpec> specs, std::map<std::string, std::string> values);

    int wbits = 4;
    int abits = 32;                       // >= 32: activations stay in float
    std::map<std::string, int> layerBits; // per-layer weight-bit overrides, by layer name

    bool has(const std::string &key) const; // whether the method takes this parameter
    int integer(const std::string &key) const;
    double real(const std::string &key) const;
    bool flag(const std::string &key) const;
    std::string text(const std::string &key) const;

    // Whether a parameter's condition (ParamSpec::appliesWhen) holds, and that of the one it
    // depends on, and so on.
    bool applies(const std::string &key) const;
    // One sentence per setting given a value other than its default where it does not apply.
    std::vector<std::string> ineffective() const;

    // Every parameter with its effective value (defaults filled in), for the run store.
    std::map<std::string, std::string> effectiveValues() const;

private:
    const ParamSpec &spec(const std::string &key) const;
    // The first condition on the way from key up its chain of dependencies that does not hold.
    const ParamSpec::Condition *unmetCondition(const std::string &key) const;

    std::vector<ParamSpec> m_specs;
    std::map<std::string, std::string> m_values;
};

} // namespace quantscope::quant
