// SPDX-License-Identifier: MIT
// WeightBinner: bins raw weights into equal-width bins for HistogramView — the re-binning a user
// triggers by changing the bin count, so it must stay fast for multi-million-weight layers.
#pragma once

#include <utility>
#include <vector>

namespace quantscope::widgets {

struct BinnedWeights
{
    std::vector<double> edges;  // counts.size() + 1
    std::vector<double> counts;
};

class WeightBinner
{
public:
    // [min, max] of the weights widened to include every grid level, so the grid always lies
    // inside the plot; a zero-width range is widened a little so one bar shows.
    static std::pair<double, double> range(const std::vector<float> &weights,
                                           const std::vector<double> &gridLevels = {});
    // Equal-width bins over [lo, hi]; values outside go to the outermost bins.
    static BinnedWeights bin(const std::vector<float> &weights, int bins, double lo, double hi);
    // Both of the above. An empty input gives no bins.
    static BinnedWeights bin(const std::vector<float> &weights, int bins,
                             const std::vector<double> &gridLevels = {});
};

} // namespace quantscope::widgets
