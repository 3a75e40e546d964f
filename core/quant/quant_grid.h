// SPDX-License-Identifier: MIT
// QuantGrid: a fitted uniform grid (per tensor or per output channel) — scale, zero point and
// integer range — and the fake quantization it defines: x̂ = s·(clamp(round(x/s) + z) − z).
#pragma once

#include "grid_geometry.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace quantscope::quant {

struct QuantGrid
{
    int bits = 8;
    bool perChannel = false;
    bool binary = false;   // 1-bit weights: x̂ = scale·sign(x), levels ±scale
    torch::Tensor scale;     // float [C] per channel, or [1]
    torch::Tensor zeroPoint; // int64, same shape as scale; float for a per-tensor grid whose
                             // lowest level is not a multiple of the step (DSQ's learnt range)
    int64_t qmin = 0;
    int64_t qmax = 255;

    // Forward on the grid, gradient straight through inside the clip range and zero outside.
    torch::Tensor fakeQuantize(const torch::Tensor &x) const;
    // fakeQuantize as a function holding its own copy of the grid: a session's activation
    // quantizer.
    std::function<torch::Tensor(const torch::Tensor &)> quantizer() const;

    // The grid's levels in x's units, for channel `channel` (0 for per-tensor grids).
    std::vector<double> levels(int64_t channel = 0) const;
    // The channel whose range is widest: the one a per-layer histogram shows the grid of.
    int64_t widestChannel() const;
    // Every channel's lowest level and step.
    GridGeometry geometry() const;
};

} // namespace quantscope::quant
