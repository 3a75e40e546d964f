// SPDX-License-Identifier: MIT
// AlqMethod: Adaptive Loss-aware Quantization (Qu et al., CVPR 2020; ALGORITHMS-NOTES §4) —
// every layer's weights as multi-bit binary bases per group, trained with loss-aware steps
// (LossAwareOptimizer's basis, coordinate and shadow steps) and pruned basis by basis, ranked
// by the modelled loss increase across layers, toward a target average bit-width that may be
// below one (whole groups pruned to zero). Activations stay float unless the run asks for bits.
#pragma once

#include "method.h"

namespace quantscope::quant {

class AlqMethod : public Method
{
public:
    std::string name() const override { return "alq"; }
    std::string title() const override { return "Adaptive Loss-aware Quantization (ALQ)"; }
    std::vector<ParamSpec> params() const override;
    QuantizedModel run(const MethodInput &input, jobs::JobContext &context) override;
};

} // namespace quantscope::quant
