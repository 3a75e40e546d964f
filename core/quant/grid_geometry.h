// SPDX-License-Identifier: MIT
// GridGeometry: where a layer's grid levels lie, per output channel — the lowest level and the
// step — whatever method fitted the grid, so weights can be drawn in grid units and counted per
// level by one piece of code.
#pragma once

#include <torch/torch.h>

namespace quantscope::quant {

struct GridGeometry
{
    torch::Tensor low;  // float [C]: level 0 of each channel (C = 1 for a per-tensor grid)
    torch::Tensor step; // float [C]: the distance between neighbouring levels
    int64_t levels = 0; // 2^bits
};

} // namespace quantscope::quant
