// SPDX-License-Identifier: MIT
// Architectures: trainable TorchScript modules built in C++ (no Python needed), saved as
// ordinary TorchScript archives that the importer — and torch.jit.load — read like any other.
#pragma once

#include <torch/script.h>

#include <string>
#include <vector>

namespace quantscope::train {

class Architectures
{
public:
    // "resnet8": stem + three residual blocks (widths w, 2w, 4w; the last two downsample) —
    // the demo's shape. "plaincnn": four conv-bn-relu layers and a linear head, no residuals.
    // "mobilenetv2": MobileNetV2's inverted residuals (depthwise convolutions, ReLU6, linear
    // bottlenecks) at widths w … 8w, for 28×28 inputs.
    static std::vector<std::string> names();

    // Throws quantscope::Error for an unknown name. Weights are initialised from the seed
    // (Kaiming-normal convs, BatchNorm at identity).
    static torch::jit::Module create(const std::string &name, int64_t inputChannels,
                                     int64_t classes, int64_t width, uint64_t seed);
};

} // namespace quantscope::train
