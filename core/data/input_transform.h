// SPDX-License-Identifier: MIT
// InputTransform: uint8 images → the float tensor a model expects: scale to [0,1], match the
// model's channel count (grey↔RGB), then per-channel (x − mean) / std.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace quantscope::data {

struct InputTransform
{
    std::vector<float> mean{0.0f}; // one value, or one per channel
    std::vector<float> std{1.0f};
    int64_t channels = 0;          // the model's input channels; 0 keeps the data's

    torch::Tensor apply(const torch::Tensor &images) const;
};

} // namespace quantscope::data
