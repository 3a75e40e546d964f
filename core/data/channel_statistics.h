// SPDX-License-Identifier: MIT
// ChannelStatistics: the per-channel mean and standard deviation of a dataset's images in
// [0, 1] units, as the model would see the channels — what (x − mean) / std needs.
#pragma once

#include "dataset.h"

#include <vector>

namespace quantscope::data {

struct ChannelStatistics
{
    std::vector<float> mean;
    std::vector<float> std;

    // channels: the model's input channels (grey images are expanded, RGB turned grey as
    // InputTransform does); 0 keeps the data's. A channel of constant value gets std 1.
    static ChannelStatistics compute(const Dataset &data, int64_t channels = 0);
};

} // namespace quantscope::data
