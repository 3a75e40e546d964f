// SPDX-License-Identifier: MIT
// PowerErrorLoss: BRECQ's reconstruction error Σ_channels |ẑ − z|^p, averaged over samples and
// positions (the released code's lp_loss), as one autograd function. ATen's abs().pow(p) takes a
// second power in its backward (|d|^(p−1)); here |d|^p is taken once and the derivative read
// from it, p·|d|^p / d. At p = 2.4 (the activation-step phase) powers were the phase's largest
// cost; one fewer took it from 6.0 to 5.1 s on the demo (W2A4, a tenth of the paper's samples).
// On the CPU, for p ≠ 2, value and derivative come from one fused pass over d, the power taken
// as e^(p·ln|d|) to a few ulp.
#pragma once

#include <torch/torch.h>

namespace quantscope::quant {

class PowerErrorLoss
{
public:
    // difference: [samples, channels, …]; p ≥ 1. A scalar with a gradient for difference.
    static torch::Tensor apply(const torch::Tensor &difference, double p);
};

} // namespace quantscope::quant
