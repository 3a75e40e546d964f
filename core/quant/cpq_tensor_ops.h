// SPDX-License-Identifier: MIT
// CpqTensorOps: CpqQuantizer's hard forward and multi-class STE backward as tensor ops — what a
// GPU runs (the quantizer's fused function is a CPU loop), and what the tests compare the loops
// with on the CPU. The same values, and the same derivatives as the loop evaluates per element
// (no table). The window follows ρ on the device, as ⌈8ρ⌉ + 1 steps, and the boundaries near
// each value are taken from the widest window ρ allows (ρ ≤ kRatioMax), masked to its own: ρ is
// never read back, which would make the CPU wait for the GPU in every backward.
#pragma once

#include <torch/torch.h>

namespace quantscope::quant {

class CpqTensorOps
{
public:
    // Round-to-nearest on each element's grid: its channel's step × 2^drop, bits − drop levels
    // (drops: int8 like x, or empty for none).
    static torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &step,
                                 const torch::Tensor &drops, int bits, bool nonNegative);

    // ∂L/∂x, and ∂L/∂step (one per channel) and ∂L/∂ρ in double, before the gradient scale.
    struct Gradients
    {
        torch::Tensor x, step, ratio;
    };
    // g: ∂L/∂x̂ like x.
    static Gradients backward(const torch::Tensor &x, const torch::Tensor &step,
                              const torch::Tensor &ratio, const torch::Tensor &drops,
                              const torch::Tensor &g, int bits, bool nonNegative);
};

} // namespace quantscope::quant
