// SPDX-License-Identifier: MIT
// ModelBuilder: a .qsm model assembled op by op with seeded random weights on a uniform grid —
// for the runtime's tests and for timing architectures no run has quantized (a torchvision-style
// ResNet-18 or MobileNetV2 at 224×224: speed does not depend on trained weights).
#pragma once

#include "qsm_model.h"

#include <random>
#include <vector>

namespace quantscope::qsm {

struct LayerBits
{
    uint32_t weights = 8;     // 1…8
    uint32_t activations = 8; // 0: float input
    float activationZeroPoint = 0; // in codes; need not be an integer
    bool signedActivations = false; // codes centred on zero (an input that is not after a ReLU)
};

class ModelBuilder
{
public:
    ModelBuilder(uint32_t channels, uint32_t height, uint32_t width, uint32_t seed = 1);

    static constexpr uint32_t kInput = 0; // the input's value id

    uint32_t conv(uint32_t in, uint32_t outChannels, uint32_t kernel, uint32_t stride,
                  uint32_t pad, uint32_t groups, const LayerBits &bits, uint32_t dilation = 1);
    uint32_t linear(uint32_t in, uint32_t outFeatures, const LayerBits &bits);
    uint32_t add(uint32_t a, uint32_t b);
    uint32_t clamp(uint32_t in, float lo, float hi);
    uint32_t relu(uint32_t in);
    uint32_t maxPool(uint32_t in, uint32_t kernel, uint32_t stride, uint32_t pad);
    uint32_t avgPool(uint32_t in, uint32_t kernel, uint32_t stride, uint32_t pad);
    uint32_t globalAvgPool(uint32_t in);
    uint32_t flatten(uint32_t in);
    uint32_t concat(const std::vector<uint32_t> &ins); // along the channels
    uint32_t channelAffine(uint32_t in); // random scales around 1 (some negative), shifts
    uint32_t groupNorm(uint32_t in, uint32_t groups, float epsilon); // γ, β as channelAffine's
    uint32_t layerNorm(uint32_t in, float epsilon); // γ, β as channelAffine's
    uint32_t activation(uint32_t in, ActivationFunction f);
    // perChannel: a random slope in [0, 0.5) per channel (PReLU), else `slope` for all (LeakyReLU).
    uint32_t prelu(uint32_t in, bool perChannel, float slope = 0.1f);
    uint32_t softmax(uint32_t in, bool log);
    uint32_t mul(uint32_t a, uint32_t b); // b (or a) may be a C×1×1 map of a's channels
    uint32_t channelSlice(uint32_t in, uint32_t first, uint32_t count);
    uint32_t channelShuffle(uint32_t in, uint32_t groups);
    uint32_t pad(uint32_t in, uint32_t top, uint32_t bottom, uint32_t left, uint32_t right,
                 PadMode mode);
    // To outHeight × outWidth, as F.interpolate(x, size=(outHeight, outWidth)) computes it.
    uint32_t resize(uint32_t in, ResizeMode mode, uint32_t outHeight, uint32_t outWidth,
                    bool alignCorners = false);

    // The model with `out` as its output; its shapes are checked.
    Model build(uint32_t out);

private:
    uint32_t channelsOf(uint32_t value) const;
    uint32_t push(Op op, uint32_t channels); // the output's channels (or features)
    uint32_t pool(OpKind kind, uint32_t in, uint32_t kernel, uint32_t stride, uint32_t pad);
    uint32_t layerOp(OpKind kind, uint32_t in, Layer layer, const LayerBits &bits);

    Model m_model;
    std::vector<uint32_t> m_channels; // per value
    std::mt19937 m_random;
};

} // namespace quantscope::qsm
