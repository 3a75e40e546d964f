// SPDX-License-Identifier: MIT
// WeightHistogram: bins a weight tensor into a LayerSnapshot-ready histogram.
#pragma once

#include "jobs/layer_snapshot.h"

#include <torch/torch.h>

namespace quantscope::analysis {

class WeightHistogram
{
public:
    static constexpr int kDefaultBins = 128;

    // Equal-width bins over [lo, hi]; the range is widened to the weights' own min/max and the
    // outermost grid level so nothing falls outside.
    static void fill(jobs::LayerSnapshot &snapshot, const torch::Tensor &weights,
                     int bins = kDefaultBins);
};

} // namespace quantscope::analysis
