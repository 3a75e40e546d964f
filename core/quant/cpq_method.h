// SPDX-License-Identifier: MIT
// CpqMethod: Cluster-Promoting Quantization (Lee et al., ICCV 2021) — quantization-aware training
// with CPQ quantizers (categorical assignment forward, multi-class STE backward) on every layer's
// weights and quantized inputs, DropBits on the weights, and optionally learned per-layer
// bit-widths (hard-concrete keep-gates per bit level, a regulariser on the expected bits). The
// choices the paper's text leaves open are in the README's method section.
#pragma once

#include "method.h"

namespace quantscope::quant {

class CpqMethod : public Method
{
public:
    std::string name() const override { return "cpq"; }
    std::string title() const override { return "Cluster-Promoting Quantization (CPQ)"; }
    std::vector<ParamSpec> params() const override;
    QuantizedModel run(const MethodInput &input, jobs::JobContext &context) override;
};

} // namespace quantscope::quant
