// SPDX-License-Identifier: MIT
// LayerInfo: what the importer found about one quantizable layer (conv2d or linear).
// Plain data so the CLI, the store and the widgets can use it without LibTorch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace quantscope::model {

enum class LayerKind { Conv, Linear };

struct LayerInfo
{
    int id = 0;                       // position in graph order; the instrumentation key
    std::string name;                 // from the weight's attribute path where TorchScript kept it
    LayerKind kind = LayerKind::Conv;
    int64_t groups = 1;               // > 1 for grouped convs; == in_channels for depthwise
    std::vector<int64_t> weightShape; // [out, in/groups, kh, kw] or [out, in]
    int64_t params = 0;               // weight elements (bias excluded: it stays in float)
    int64_t biasParams = 0;
    // [C, H, W] or [features] ([H, W, features]: a linear layer over each pixel of a map
    // permuted to channels last, as ConvNeXt's); empty until shapes are probed.
    std::vector<int64_t> inputShape;
    int64_t macs = 0;                 // multiply-accumulates per image; 0 until shapes are probed

    const char *kindName() const { return kind == LayerKind::Conv ? "conv" : "linear"; }
    // Elements of one image's input to the layer (1 until shapes are probed).
    int64_t inputElements() const
    {
        int64_t n = 1;
        for (int64_t d : inputShape)
            n *= d;
        return n;
    }
};

} // namespace quantscope::model
