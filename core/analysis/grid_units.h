// SPDX-License-Identifier: MIT
// GridUnits: a layer's weights measured in steps of their own channel's grid, so that every
// channel's levels fall on the integers 0 … levels − 1 — the one axis on which per-channel
// grids can show whether weights gather on the grid — with exact counts per level and the
// share of weights that sit on a level. One implementation for every method's snapshots.
#pragma once

#include "jobs/layer_snapshot.h"
#include "quant/grid_geometry.h"

#include <torch/torch.h>

#include <vector>

namespace quantscope::analysis {

class GridUnits
{
public:
    // "On a level": within a tenth of a step of it.
    static constexpr double kClusterRadius = 0.1;
    static constexpr int kChannelBins = 32;

    // weights [C, …] (C = the geometry's channels, or any shape for a per-tensor grid) →
    // (w − low_c) / step_c, shaped [C, elements per channel].
    static torch::Tensor transform(const torch::Tensor &weights, const quant::GridGeometry &grid);
    // Each weight's code: its nearest level, clipped to 0 … levels − 1.
    static torch::Tensor codes(const torch::Tensor &units, int64_t levels);
    // The share of weights within kClusterRadius of their code's level: 1 on the grid, 0.2 for
    // weights spread uniformly over the clip range.
    static double clusteredShare(const torch::Tensor &units, int64_t levels);
    // How many weights hold each code, 0 … levels − 1; sums to the weight count.
    static std::vector<double> levelCounts(const torch::Tensor &units, int64_t levels);

    // Fills the snapshot's grid-unit fields: histogram, level counts, clustered share, and the
    // per-channel grids with their coarse histograms.
    static void fill(jobs::LayerSnapshot &snapshot, const torch::Tensor &weights,
                     const quant::GridGeometry &grid);
};

} // namespace quantscope::analysis
