// SPDX-License-Identifier: MIT
#include "bit_plan.h"

#include "error.h"

namespace quantscope::quant {

namespace {
constexpr int kFloatBits = 32;
}

std::vector<ParamSpec> BitPlan::commonParams()
{
    return {{"first_last_bits", "First/last layer bits", ParamSpec::Type::Int, "8", 0, 8, {},
             "Bit-width of the first layer's weights and input and of the last layer's weights "
             "(all four papers keep them at 8). 0 = the same as the other layers."}};
}

BitPlan BitPlan::make(const std::vector<model::LayerInfo> &layers, const MethodSettings &settings)
{
    const int n = static_cast<int>(layers.size());
    // A method that quantizes every layer alike (ALQ) does not take the parameter.
    const int edge = settings.has("first_last_bits") ? settings.integer("first_last_bits") : 0;
    const int abits = settings.abits >= kFloatBits || settings.abits <= 0 ? kFloatBits
                                                                         : settings.abits;
    BitPlan plan;
    plan.wbits.assign(n, settings.wbits);
    plan.abits.assign(n, abits);
    if (edge > 0) {
        plan.wbits.front() = std::max(settings.wbits, edge);
        plan.wbits.back() = std::max(settings.wbits, edge);
        if (abits < kFloatBits)
            plan.abits.front() = std::max(abits, edge);
    }
    for (const auto &[name, bits] : settings.layerBits) {
        bool found = false;
        for (int i = 0; i < n; ++i)
            if (layers[i].name == name) {
                plan.wbits[i] = bits;
                found = true;
            }
        if (!found)
            throw Error("bit override names no layer: '" + name + "'");
        if (bits < 1 || bits > 8)
            throw Error("bit override for " + name + ": bits must be 1…8");
    }
    return plan;
}

} // namespace quantscope::quant
