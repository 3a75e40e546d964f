// SPDX-License-Identifier: MIT
// AdaRound: learned rounding of one layer's weights onto a fixed grid (Nagel et al., 2020, as
// BRECQ uses it; ALGORITHMS-NOTES §3.4). Each weight gets a variable V; h(V), a rectified
// sigmoid, decides between rounding down (0) and up (1) and is pushed to 0 or 1 by a regulariser.
#pragma once

#include "quant_grid.h"

#include <torch/torch.h>

namespace quantscope::quant {

class AdaRound
{
public:
    // grid: per-channel or per-tensor integer grid fitted to weight (its scale and zero point
    // stay fixed). V starts so that h(V) equals the fractional part of weight/scale: the soft
    // weight is then the clipped float weight.
    AdaRound(const torch::Tensor &weight, const QuantGrid &grid);

    torch::Tensor &variable() { return m_v; } // the leaf Adam optimises
    // h(V) in [0, 1], without gradient.
    torch::Tensor rectifiedSigmoid() const;

    // What one reconstruction iteration needs, differentiable in V:
    //   weight      s·(clamp(⌊w/s⌋ + h(V) + z, qmin, qmax) − z), the layer's weight while V is
    //               learned;
    //   regularizer Σ (1 − |2h(V) − 1|^β), zero when every h is 0 or 1; 0 (no gradient) at β = 0.
    struct Soft
    {
        torch::Tensor weight;
        torch::Tensor regularizer;
    };
    Soft soft(double beta) const;
    // The weight with h = 1[V ≥ 0]: the final weight, on the grid.
    torch::Tensor hardWeight() const;

    // Shares of weights whose hard rounding is up, and that differ from round-to-nearest.
    double roundedUpShare() const;
    double flippedShare() const;
    // Share of weights whose h is still strictly between 0 and 1.
    double undecidedShare() const;

    static constexpr double kZeta = 1.1;
    static constexpr double kGamma = -0.1;

private:
    torch::Tensor m_floor;  // ⌊w/s⌋
    torch::Tensor m_rest;   // w/s − ⌊w/s⌋, for the nearest-rounding comparison
    torch::Tensor m_scale;  // broadcastable to the weight
    torch::Tensor m_zero;   // same
    double m_qmin = 0;
    double m_qmax = 255;
    torch::Tensor m_v;
};

} // namespace quantscope::quant
