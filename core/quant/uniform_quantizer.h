// SPDX-License-Identifier: MIT
// UniformQuantizer: fits QuantGrids to weights and activations, choosing the clip range by
// searching clip ratios for the smallest L_p error (BRECQ's init; ALGORITHMS-NOTES §3.3).
#pragma once

#include "quant_grid.h"

namespace quantscope::quant {

struct WeightGridOptions
{
    int bits = 4;
    bool perChannel = true;
    bool symmetric = false;
    bool searchClip = true; // false: clip at min/max
    double p = 2.0;         // error norm of the clip search
};

class UniformQuantizer
{
public:
    static constexpr int kClipCandidates = 80; // ratios 1.00, 0.99, …, 0.21

    static QuantGrid fitWeight(const torch::Tensor &weight, const WeightGridOptions &options);

    // Per-tensor grid for activations from calibration samples; unsigned when every sample is
    // non-negative (after ReLU), so no level is wasted on negative values.
    static QuantGrid fitActivation(const torch::Tensor &samples, int bits, double p = 2.4);
};

} // namespace quantscope::quant
