// SPDX-License-Identifier: MIT
#include "weight_histogram.h"

#include <algorithm>

namespace quantscope::analysis {

void WeightHistogram::fill(jobs::LayerSnapshot &snapshot, const torch::Tensor &weights, int bins)
{
    torch::NoGradGuard noGrad;
    // Counted where the weights are: from a GPU only the range and the counts come back.
    const auto flat = weights.detach().to(torch::kFloat32).flatten();
    const auto range = torch::stack({flat.min(), flat.max()}).to(torch::kCPU, torch::kFloat64);
    double lo = range[0].item<double>();
    double hi = range[1].item<double>();
    if (!snapshot.gridLevels.empty()) {
        lo = std::min(lo, *std::min_element(snapshot.gridLevels.begin(), snapshot.gridLevels.end()));
        hi = std::max(hi, *std::max_element(snapshot.gridLevels.begin(), snapshot.gridLevels.end()));
    }
    if (hi <= lo)
        hi = lo + 1e-6;
    const auto counts =
        torch::histc(flat, bins, lo, hi).to(torch::kCPU, torch::kFloat64).contiguous();
    snapshot.counts.assign(counts.data_ptr<double>(), counts.data_ptr<double>() + bins);
    snapshot.binEdges.resize(static_cast<size_t>(bins) + 1);
    for (int i = 0; i <= bins; ++i)
        snapshot.binEdges[i] = lo + (hi - lo) * i / bins;
}

} // namespace quantscope::analysis
