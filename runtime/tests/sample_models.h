// SPDX-License-Identifier: MIT
// Small models for the runtime's tests: every op kind, odd channel counts (not multiples of any
// vector width), stride 2, depthwise and grouped convs, 1×1, dilation, fractional zero points.
#pragma once

#include "format/model_builder.h"

#include <random>
#include <vector>

namespace quantscope::runtime::test {

inline qsm::Model everyOpModel(uint32_t wbits, uint32_t abits, uint32_t seed = 7)
{
    qsm::ModelBuilder b(3, 13, 11, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true};  // a normalised input: signed codes
    const qsm::LayerBits body{wbits, abits, 0.0f, false};
    const qsm::LayerBits shifted{wbits, abits, 0.37f, false};
    auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 17, 3, 1, 1, 1, first));
    auto y = b.relu(b.conv(x, 17, 3, 2, 1, 17, body));            // depthwise, stride 2
    y = b.conv(y, 24, 1, 1, 0, 1, shifted);                        // 1×1
    auto z = b.conv(x, 24, 3, 2, 1, 1, body);                      // the residual's shortcut
    auto s = b.relu(b.add(y, z));
    s = b.clamp(b.conv(s, 20, 3, 1, 2, 4, body, 2), 0.0f, 6.0f);  // grouped, dilated, relu6
    s = b.maxPool(s, 3, 2, 1);
    s = b.flatten(b.globalAvgPool(s));
    return b.build(b.linear(s, 10, qsm::LayerBits{8, abits, 0.0f, false}));
}

// Channels in whole 64-channel words, as real networks have them: what the bit-serial kernel
// serves at W ≤ 2 × A ≤ 2 (a 3×3 conv, a strided one and a 1×1), next to a residual add.
inline qsm::Model wideChannelsModel(uint32_t wbits, uint32_t abits, uint32_t seed = 13)
{
    qsm::ModelBuilder b(3, 9, 9, seed);
    const qsm::LayerBits body{wbits, abits, 0.0f, false};
    auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 64, 3, 1, 1, 1, qsm::LayerBits{8, abits, 0.4f, true}));
    auto y = b.relu(b.conv(x, 64, 3, 1, 1, 1, body));
    x = b.relu(b.add(b.conv(y, 64, 3, 1, 1, 1, body), x));
    x = b.relu(b.conv(x, 128, 3, 2, 1, 1, body));
    x = b.conv(x, 64, 1, 1, 0, 1, body);
    return b.build(b.linear(b.flatten(b.globalAvgPool(x)), 10, qsm::LayerBits{8, abits, 0.0f, false}));
}

// What the low-bit backend keeps channels last meets what it must not: a layer with a float input
// in the middle, average pooling with padding, and a classifier on a flattened 3×3 map.
inline qsm::Model layoutEdgesModel(uint32_t wbits, uint32_t abits, uint32_t seed = 11)
{
    qsm::ModelBuilder b(3, 12, 10, seed);
    const qsm::LayerBits body{wbits, abits, 0.2f, false};
    auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 9, 3, 1, 1, 1, qsm::LayerBits{8, abits, 0.4f, true}));
    x = b.conv(x, 7, 3, 2, 1, 1, qsm::LayerBits{wbits, 0, 0.0f, false}); // float input
    x = b.avgPool(b.relu(b.conv(x, 13, 1, 1, 0, 1, body)), 3, 2, 1);
    return b.build(b.linear(b.flatten(x), 6, body));
}

// Concats as torchvision's classifiers join branches: a fire module's two expands beside a pooled
// branch (which keeps its input's range), a dense block's map and its growth, and two pooled
// vectors before the classifier.
inline qsm::Model concatModel(uint32_t wbits, uint32_t abits, uint32_t seed = 17)
{
    qsm::ModelBuilder b(3, 10, 9, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, body{wbits, abits, 0.0f, false};
    const auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 6, 3, 1, 1, 1, first));
    const auto squeeze = b.relu(b.conv(x, 5, 1, 1, 0, 1, body));
    auto fire = b.concat({b.relu(b.conv(squeeze, 7, 1, 1, 0, 1, body)),
                          b.relu(b.conv(squeeze, 9, 3, 1, 1, 1, body)), b.maxPool(x, 3, 1, 1)});
    fire = b.concat({fire, b.relu(b.conv(fire, 4, 3, 1, 1, 1, body))});
    const auto features = b.concat({b.flatten(b.globalAvgPool(b.conv(fire, 11, 3, 2, 1, 1, body))),
                                     b.flatten(b.globalAvgPool(x))});
    return b.build(b.linear(features, 10, qsm::LayerBits{8, abits, 0.0f, false}));
}

// Batch norms no conv absorbs, as channel affines: a pre-activation residual block (norm → relu
// → conv on both paths, the sum normed again) and a norm of the pooled features before the
// classifier.
inline qsm::Model preActivationModel(uint32_t wbits, uint32_t abits, uint32_t seed = 19)
{
    qsm::ModelBuilder b(3, 9, 10, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, body{wbits, abits, 0.0f, false};
    const auto x = b.conv(qsm::ModelBuilder::kInput, 12, 3, 1, 1, 1, first);
    auto y = b.conv(b.relu(b.channelAffine(x)), 12, 3, 1, 1, 1, body);
    y = b.conv(b.relu(b.channelAffine(y)), 12, 3, 1, 1, 1, body);
    const auto sum = b.channelAffine(b.add(x, y)); // read raw by the pool: no clamp fused
    auto pooled = b.flatten(b.globalAvgPool(b.maxPool(b.relu(sum), 2, 2, 0)));
    pooled = b.channelAffine(b.concat({pooled, b.flatten(b.globalAvgPool(sum))}));
    return b.build(b.linear(pooled, 10, qsm::LayerBits{8, abits, 0.0f, true}));
}

// MobileNetV3's and EfficientNet's blocks: hardswish and SiLU after convs, a squeeze-and-
// excitation scale (hardsigmoid, then scale · map as torchvision writes it), and a sigmoid gate
// multiplied element by element. Inputs after them are signed.
inline qsm::Model excitationModel(uint32_t wbits, uint32_t abits, uint32_t seed = 23)
{
    using F = qsm::ActivationFunction;
    qsm::ModelBuilder b(3, 9, 8, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, body{wbits, abits, 0.0f, false},
        signedBody{wbits, abits, 0.3f, true};
    const auto x = b.activation(b.conv(qsm::ModelBuilder::kInput, 16, 3, 2, 1, 1, first),
                                F::HardSwish);
    auto y = b.activation(b.conv(x, 16, 3, 1, 1, 16, signedBody), F::SiLU);
    auto scale = b.relu(b.conv(b.globalAvgPool(y), 4, 1, 1, 0, 1, signedBody));
    scale = b.activation(b.conv(scale, 16, 1, 1, 0, 1, body), F::HardSigmoid);
    y = b.mul(scale, y);
    const auto gate = b.activation(b.conv(y, 16, 1, 1, 0, 1, signedBody), F::Sigmoid);
    const auto z = b.mul(gate, x);
    return b.build(b.linear(b.flatten(b.globalAvgPool(z)), 10, signedBody));
}

// The activations with a negative side: ConvNeXt's GELU (both forms), darknet's LeakyReLU,
// face networks' PReLU per channel (on a map and on a vector), ELU; then a softmax of the
// classes. Inputs after them are signed. Every other pixel (a max pool of 1×1 windows, the CIFAR
// ResNets' x[:, :, ::2, ::2]) on the way.
inline qsm::Model negativeSideModel(uint32_t wbits, uint32_t abits, uint32_t seed = 31)
{
    using F = qsm::ActivationFunction;
    qsm::ModelBuilder b(3, 9, 8, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, signedBody{wbits, abits, 0.3f, true};
    auto x = b.activation(b.conv(qsm::ModelBuilder::kInput, 12, 3, 1, 1, 1, first), F::GELU);
    x = b.maxPool(x, 1, 2, 0);
    x = b.prelu(b.conv(x, 12, 3, 2, 1, 12, signedBody), false, 0.1f); // depthwise
    x = b.prelu(b.conv(x, 16, 1, 1, 0, 1, signedBody), true);
    x = b.activation(b.conv(x, 16, 3, 1, 1, 2, signedBody), F::GELUTanh);
    auto y = b.flatten(b.globalAvgPool(b.activation(b.conv(x, 16, 1, 1, 0, 1, signedBody),
                                                    F::ELU)));
    y = b.prelu(b.linear(y, 12, signedBody), true);
    return b.build(b.softmax(b.linear(y, 10, signedBody), false));
}

// What classic and TensorFlow-ported models add: LeNet's tanh, CSPDarknet's mish, a softplus;
// explicit pads — zeros on all sides (nn.ZeroPad2d(1)), unevenly before a strided conv
// (TensorFlow's "same": one row below, one column right), reflected, replicated and wrapped
// around (a conv's padding_mode). Inputs after them are signed.
inline qsm::Model paddedModel(uint32_t wbits, uint32_t abits, uint32_t seed = 37)
{
    using F = qsm::ActivationFunction;
    using P = qsm::PadMode;
    qsm::ModelBuilder b(3, 9, 8, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, signedBody{wbits, abits, 0.3f, true};
    auto x = b.pad(qsm::ModelBuilder::kInput, 1, 1, 1, 1, P::Zeros);
    x = b.activation(b.conv(x, 12, 3, 1, 0, 1, first), F::Tanh);
    x = b.activation(b.conv(b.pad(x, 0, 1, 0, 1, P::Zeros), 12, 3, 2, 0, 12, signedBody),
                     F::Mish); // depthwise
    x = b.pad(x, 2, 1, 1, 3, P::Reflect);
    x = b.activation(b.conv(x, 16, 3, 1, 0, 1, signedBody), F::Softplus);
    x = b.conv(b.pad(x, 1, 2, 2, 1, P::Replicate), 16, 3, 2, 0, 2, signedBody);
    x = b.conv(b.pad(x, 2, 0, 1, 3, P::Circular), 16, 3, 1, 0, 4, signedBody);
    const auto y = b.flatten(b.globalAvgPool(b.activation(x, F::Tanh)));
    return b.build(b.linear(y, 10, signedBody));
}

// Group norms, as GroupNorm-ResNets and style networks place them: two groups after a conv,
// then a relu (a clamp the norm does in its own pass); one group per channel (InstanceNorm2d)
// before a SiLU; one group of all channels; a small ε.
inline qsm::Model groupNormModel(uint32_t wbits, uint32_t abits, uint32_t seed = 41)
{
    qsm::ModelBuilder b(3, 9, 8, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, signedBody{wbits, abits, 0.3f, true};
    auto x = b.conv(qsm::ModelBuilder::kInput, 8, 3, 1, 1, 1, first);
    x = b.relu(b.groupNorm(x, 2, 1e-5f));
    x = b.conv(x, 12, 3, 2, 1, 1, signedBody);
    x = b.activation(b.groupNorm(x, 12, 1e-5f), qsm::ActivationFunction::SiLU);
    x = b.groupNorm(b.conv(x, 12, 3, 1, 1, 3, signedBody), 1, 1e-3f);
    return b.build(b.linear(b.flatten(b.globalAvgPool(x)), 10, signedBody));
}

// ConvNeXt's layer norms over each pixel's channels: after a patchifying stem, inside a block
// (depthwise conv, norm, 1×1 conv to four times the channels, GELU, 1×1 conv back, a layer
// scale, the residual add), and over the pooled features before the classifier.
inline qsm::Model layerNormModel(uint32_t wbits, uint32_t abits, uint32_t seed = 43)
{
    qsm::ModelBuilder b(3, 10, 8, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, signedBody{wbits, abits, 0.3f, true};
    const auto x = b.layerNorm(b.conv(qsm::ModelBuilder::kInput, 8, 2, 2, 0, 1, first), 1e-6f);
    auto y = b.layerNorm(b.conv(x, 8, 3, 1, 1, 8, signedBody), 1e-6f);
    y = b.activation(b.conv(y, 32, 1, 1, 0, 1, signedBody), qsm::ActivationFunction::GELU);
    y = b.channelAffine(b.conv(y, 8, 1, 1, 0, 1, signedBody));
    const auto features = b.layerNorm(b.flatten(b.globalAvgPool(b.add(x, y))), 1e-5f);
    return b.build(b.linear(features, 10, signedBody));
}

// FPN's and U-Net's resizes: a 3×2 map up to 5×4 by nearest (not 2×) and added to the lateral
// one, 2× bilinear back to 10×8 and joined with the stem's map, then bilinear with aligned
// corners to 7×9, nearest-exact down to 4×3, and nearest 2× of that.
inline qsm::Model resizeModel(uint32_t wbits, uint32_t abits, uint32_t seed = 47)
{
    using M = qsm::ResizeMode;
    qsm::ModelBuilder b(3, 10, 8, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, body{wbits, abits, 0.0f, false},
        signedBody{wbits, abits, 0.3f, true};
    const auto stem = b.relu(b.conv(qsm::ModelBuilder::kInput, 6, 3, 1, 1, 1, first));
    const auto c1 = b.relu(b.conv(stem, 6, 3, 2, 1, 1, body)); // 5×4
    const auto c2 = b.conv(c1, 6, 3, 2, 1, 1, body);           // 3×2
    auto p = b.add(b.resize(c2, M::Nearest, 5, 4), b.conv(c1, 6, 1, 1, 0, 1, body));
    auto y = b.concat({b.resize(p, M::Bilinear, 10, 8), stem});
    y = b.conv(b.resize(y, M::Bilinear, 7, 9, true), 8, 3, 1, 1, 1, signedBody);
    y = b.resize(b.resize(y, M::NearestExact, 4, 3), M::Nearest, 8, 6);
    return b.build(b.linear(b.flatten(b.globalAvgPool(y)), 10, signedBody));
}

// ShuffleNetV2's units: a downsampling one (two strided branches joined, then shuffled) and a
// basic one (the channels split in halves, one half through depthwise and 1×1 convs, joined
// with the other and shuffled), then the halves of the pooled features in other proportions.
inline qsm::Model shuffleModel(uint32_t wbits, uint32_t abits, uint32_t seed = 29)
{
    qsm::ModelBuilder b(3, 10, 9, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true}, body{wbits, abits, 0.0f, false},
        signedBody{wbits, abits, 0.3f, true};
    const auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 7, 3, 1, 1, 1, first));
    const auto left = b.relu(b.conv(b.conv(x, 7, 3, 2, 1, 7, body), 7, 1, 1, 0, 1, signedBody));
    auto right = b.relu(b.conv(x, 7, 1, 1, 0, 1, body));
    right = b.relu(b.conv(b.conv(right, 7, 3, 2, 1, 7, body), 7, 1, 1, 0, 1, signedBody));
    auto y = b.channelShuffle(b.concat({left, right}), 2);
    auto half = b.relu(b.conv(b.channelSlice(y, 7, 7), 7, 1, 1, 0, 1, body));
    half = b.relu(b.conv(b.conv(half, 7, 3, 1, 1, 7, body), 7, 1, 1, 0, 1, signedBody));
    y = b.channelShuffle(b.concat({b.channelSlice(y, 0, 7), half}), 2);
    const auto pooled = b.flatten(b.globalAvgPool(b.relu(b.conv(y, 12, 1, 1, 0, 1, body))));
    const auto features = b.concat({b.channelShuffle(b.channelSlice(pooled, 0, 9), 3),
                                    b.channelSlice(pooled, 9, 3)});
    return b.build(b.linear(features, 10, qsm::LayerBits{8, abits, 0.0f, false}));
}

// Rewrites a layer's weights as random binary bases (ALQ's encoding): `pieces` groups per row,
// interleaved (one per kernel tap) or contiguous, each keeping 0 … maxBases bases — drawn, or
// `descending`: fewer in each later channel, from maxBases in the first to 0 in the last.
inline void toBinaryBases(qsm::Layer &l, uint32_t pieces, bool interleaved, uint32_t maxBases,
                          uint32_t seed, bool descending = false)
{
    std::mt19937 rng(seed);
    l.encoding = qsm::WeightEncoding::BinaryBases;
    l.codes.clear();
    l.pieces = pieces;
    l.interleaved = interleaved;
    l.maxBases = maxBases;
    l.baseCounts.clear();
    l.alphas.clear();
    l.planes.clear();
    for (uint32_t g = 0; g < l.outChannels * pieces; ++g) {
        const uint32_t channel = g / pieces, last = l.outChannels - 1;
        const uint32_t count = descending ? maxBases * (last - channel) / std::max(last, 1u)
                                          : rng() % (maxBases + 1);
        l.baseCounts.push_back(uint8_t(count));
        for (uint32_t i = 0; i < count; ++i) {
            l.alphas.push_back(0.01f + 0.2f * float(rng() % 1000) / 1000.0f);
            for (size_t b = 0; b < l.planeBytes(); ++b)
                l.planes.push_back(uint8_t(rng()));
        }
    }
    l.indexBases();
}

// everyOpModel(2, abits) with four of its layers as binary bases: a 1×1 conv (one group per
// row), a 3×3 conv per tap (interleaved), a grouped conv per kernel, the classifier in halves.
inline qsm::Model binaryBasesModel(uint32_t abits, uint32_t seed = 5)
{
    auto m = everyOpModel(2, abits);
    toBinaryBases(m.layers[2], 1, false, 3, seed);
    toBinaryBases(m.layers[3], 9, true, 4, seed + 1);
    toBinaryBases(m.layers[4], m.layers[4].inChannels, false, 2, seed + 2);
    toBinaryBases(m.layers[5], 2, false, 3, seed + 3);
    return m;
}

inline std::vector<float> randomInput(const qsm::Model &m, uint32_t seed)
{
    std::mt19937 random(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(size_t(m.channels) * m.height * m.width);
    for (auto &v : x)
        v = normal(random);
    return x;
}

} // namespace quantscope::runtime::test
