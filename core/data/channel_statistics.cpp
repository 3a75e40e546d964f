// SPDX-License-Identifier: MIT
#include "channel_statistics.h"

#include "input_transform.h"

namespace quantscope::data {

ChannelStatistics ChannelStatistics::compute(const Dataset &data, int64_t channels)
{
    const InputTransform raw{{0.0f}, {1.0f}, channels};
    // Chunks keep a large split from existing as one float tensor; sums in double stay exact.
    torch::Tensor sum, squares;
    int64_t count = 0;
    for (const auto &chunk : data.images.split(2048)) {
        const auto x = raw.apply(chunk).transpose(0, 1).flatten(1).to(torch::kFloat64);
        sum = sum.defined() ? sum + x.sum(1) : x.sum(1);
        squares = squares.defined() ? squares + x.square().sum(1) : x.square().sum(1);
        count += x.size(1);
    }
    ChannelStatistics stats;
    if (count < 2)
        return stats;
    const auto mean = sum / double(count);
    const auto var = (squares - mean.square() * double(count)) / double(count - 1);
    const auto std = var.clamp_min(0).sqrt();
    for (int64_t c = 0; c < mean.size(0); ++c) {
        stats.mean.push_back(float(mean[c].item<double>()));
        const double s = std[c].item<double>();
        stats.std.push_back(s > 1e-6 ? float(s) : 1.0f);
    }
    return stats;
}

} // namespace quantscope::data
