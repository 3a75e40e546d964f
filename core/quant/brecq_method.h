// SPDX-License-Identifier: MIT
// BrecqMethod: block-reconstruction post-training quantization (Li et al., ICLR 2021;
// ALGORITHMS.md, ALGORITHMS-NOTES §3). Unit by unit (residual blocks, lone layers elsewhere),
// AdaRound learns how to round the weights so the unit's output, fed from the partly quantized
// model, matches the float model's; then LSQ learns the activation steps the same way. An
// optional genetic search first gives each layer 2 to 8 bits under a size budget.
#pragma once

#include "method.h"
#include "quant_grid.h"

namespace quantscope::quant {

class BrecqMethod : public Method
{
public:
    std::string name() const override { return "brecq"; }
    std::string title() const override { return "Block reconstruction (BRECQ)"; }
    std::vector<ParamSpec> params() const override;
    ParamSpec::Condition weightBitsIgnoredWhen() const override
    {
        return {"mixed_precision", "true"};
    }
    QuantizedModel run(const MethodInput &input, jobs::JobContext &context) override;

    // BRECQ's weight grid: per channel, asymmetric, the clip found by an L2.4 error search.
    static QuantGrid weightGrid(const torch::Tensor &w, int bits);
};

} // namespace quantscope::quant
