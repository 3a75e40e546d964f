// SPDX-License-Identifier: MIT
// RtnMethod: round-to-nearest, the baseline every method is compared with. Weights per channel
// or per tensor, symmetric or asymmetric, clip range by L2 search; activations per tensor,
// calibrated on a seeded subset of the training split.
#pragma once

#include "method.h"

namespace quantscope::quant {

class RtnMethod : public Method
{
public:
    std::string name() const override { return "rtn"; }
    std::string title() const override { return "Round to nearest (RTN)"; }
    std::vector<ParamSpec> params() const override;
    QuantizedModel run(const MethodInput &input, jobs::JobContext &context) override;
};

} // namespace quantscope::quant
