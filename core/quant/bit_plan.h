// SPDX-License-Identifier: MIT
// BitPlan: which bit-width each layer gets — the run's W/A bits, first and last layer at 8 bits
// unless told otherwise, and per-layer overrides by name. Shared by every method.
#pragma once

#include "method_settings.h"
#include "model/layer_info.h"
#include "param_spec.h"

#include <vector>

namespace quantscope::quant {

struct BitPlan
{
    std::vector<int> wbits; // per layer
    std::vector<int> abits; // per layer input; >= 32 = float

    // Throws quantscope::Error for an override naming no layer.
    static BitPlan make(const std::vector<model::LayerInfo> &layers,
                        const MethodSettings &settings);

    // The parameters every method takes for this (first_last_bits).
    static std::vector<ParamSpec> commonParams();
};

} // namespace quantscope::quant
