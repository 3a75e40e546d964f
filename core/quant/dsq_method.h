// SPDX-License-Identifier: MIT
// DsqMethod: quantization-aware training with DSQ quantizers (Gong et al., ICCV 2019) on every
// layer's weights and on the input of every layer whose activations are quantized. BatchNorm is
// already folded into the convolutions, so training updates the folded weights, and the weight
// ranges are per output channel by default (the paper's per-layer ranges rely on BN after them).
#pragma once

#include "method.h"

namespace quantscope::quant {

class DsqMethod : public Method
{
public:
    std::string name() const override { return "dsq"; }
    std::string title() const override { return "Differentiable Soft Quantization (DSQ)"; }
    std::vector<ParamSpec> params() const override;
    QuantizedModel run(const MethodInput &input, jobs::JobContext &context) override;
};

} // namespace quantscope::quant
