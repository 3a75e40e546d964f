// SPDX-License-Identifier: MIT
#include "grid_units.h"

#include <algorithm>

namespace quantscope::analysis {

namespace {

std::vector<double> toVector(const torch::Tensor &t)
{
    const auto d = t.to(torch::kCPU, torch::kFloat64).contiguous();
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// Fine enough to see weights gather within a tenth of a step at low bit-widths, few enough
// that an 8-bit layer's 256 levels stay a few hundred bins.
int64_t binsPerStep(int64_t levels)
{
    return std::clamp<int64_t>(256 / levels, 2, 16);
}

} // namespace

torch::Tensor GridUnits::transform(const torch::Tensor &weights, const quant::GridGeometry &grid)
{
    torch::NoGradGuard noGrad;
    const int64_t channels = grid.low.numel();
    const auto w = weights.detach().to(torch::kFloat32).reshape({channels, -1});
    const auto low = grid.low.detach().to(torch::kFloat32).view({channels, 1});
    // A channel whose weights are all equal has a zero step: one level, everything on it.
    const auto step = grid.step.detach().to(torch::kFloat32).view({channels, 1}).clamp_min(1e-12f);
    return (w - low) / step;
}

torch::Tensor GridUnits::codes(const torch::Tensor &units, int64_t levels)
{
    return units.round().clamp(0, double(levels - 1));
}

double GridUnits::clusteredShare(const torch::Tensor &units, int64_t levels)
{
    if (units.numel() == 0)
        return -1;
    // The tolerance covers float rounding of weights that lie exactly on a level.
    const auto distance = (units - codes(units, levels)).abs();
    return (distance <= kClusterRadius + 1e-4).to(torch::kFloat64).mean().item<double>();
}

std::vector<double> GridUnits::levelCounts(const torch::Tensor &units, int64_t levels)
{
    return toVector(torch::bincount(codes(units, levels).flatten().to(torch::kInt64), {}, levels));
}

void GridUnits::fill(jobs::LayerSnapshot &snapshot, const torch::Tensor &weights,
                     const quant::GridGeometry &grid)
{
    torch::NoGradGuard noGrad;
    // Counted where the weights train: from a GPU only the counts come back, not the weights.
    const auto units = transform(weights, grid);
    const int64_t levels = grid.levels;
    const double lo = -1.0, hi = double(levels);
    const int64_t bins = (levels + 1) * binsPerStep(levels);

    snapshot.levelCount = int(levels);
    const auto flat = units.flatten();
    const auto counts = torch::histc(flat, bins, lo, hi);
    snapshot.unitCounts = toVector(counts);
    snapshot.unitEdges.resize(size_t(bins) + 1);
    for (int64_t i = 0; i <= bins; ++i)
        snapshot.unitEdges[size_t(i)] = lo + (hi - lo) * double(i) / double(bins);
    snapshot.outsideCount = flat.numel() - int64_t(counts.sum().item<double>());
    snapshot.levelCounts = levelCounts(units, levels);
    snapshot.clusteredShare = clusteredShare(units, levels);

    // Per channel: bin index c·kChannelBins + b, counted in one pass.
    const int64_t channels = units.size(0);
    const auto position = (units - lo) / (hi - lo) * double(kChannelBins);
    const auto inside = (position >= 0) & (position < double(kChannelBins));
    const auto row = torch::arange(channels, units.options().dtype(torch::kInt64))
                         .view({channels, 1})
                         .expand_as(units);
    const auto index = row * kChannelBins + position.floor().to(torch::kInt64);
    snapshot.channelBins = kChannelBins;
    snapshot.channelCounts = toVector(
        torch::bincount(index.masked_select(inside), {}, channels * kChannelBins));
    snapshot.channelLow = toVector(grid.low.detach().flatten());
    snapshot.channelStep = toVector(grid.step.detach().flatten());
}

} // namespace quantscope::analysis
