// SPDX-License-Identifier: MIT
#include "model_builder.h"

#include "shape_inference.h"

#include <cmath>
#include <limits>

namespace quantscope::qsm {

ModelBuilder::ModelBuilder(uint32_t channels, uint32_t height, uint32_t width, uint32_t seed)
    : m_random(seed)
{
    m_model.channels = channels;
    m_model.height = height;
    m_model.width = width;
    m_model.mean.assign(channels, 0.5f);
    m_model.std.assign(channels, 0.25f);
    m_model.source = "ModelBuilder";
    m_channels.push_back(channels);
}

uint32_t ModelBuilder::channelsOf(uint32_t value) const
{
    return m_channels.at(value);
}

uint32_t ModelBuilder::push(Op op, uint32_t channels)
{
    op.output = m_model.valueCount++;
    m_model.ops.push_back(op);
    m_channels.push_back(channels);
    return op.output;
}

uint32_t ModelBuilder::layerOp(OpKind kind, uint32_t in, Layer l, const LayerBits &bits)
{
    l.kind = kind;
    l.bits = bits.weights;
    const size_t row = l.rowElements();
    const uint32_t levels = 1u << l.bits;
    std::uniform_int_distribution<uint32_t> codeOf(0, levels - 1);
    std::uniform_real_distribution<float> jitter(0.8f, 1.25f), unit(-1.0f, 1.0f);
    // Each channel's grid spans about ±sqrt(3/fan-in): activations keep their scale layer by
    // layer, so deep random models neither vanish nor saturate their quantizers.
    const float span = std::sqrt(3.0f / float(row));
    l.codes.assign(l.outChannels * l.rowBytes(), 0);
    for (uint32_t c = 0; c < l.outChannels; ++c) {
        const float s = levels > 1 ? 2 * span * jitter(m_random) / float(levels - 1) : span;
        l.scale.push_back(s);
        l.zeroPoint.push_back(float(levels - 1) / 2);
        for (size_t k = 0; k < row; ++k)
            l.setCode(c, k, codeOf(m_random));
        l.bias.push_back(0.1f * unit(m_random));
    }
    if (bits.activations > 0) {
        const int32_t top = int32_t(1u << bits.activations) - 1;
        l.input.bits = bits.activations;
        l.input.qmin = bits.signedActivations ? -(top + 1) / 2 : 0;
        l.input.qmax = l.input.qmin + top;
        l.input.scale = 4.0f / float(top);
        l.input.zeroPoint = bits.activationZeroPoint;
    }
    Op op;
    op.kind = kind;
    op.inputs = {in};
    op.layer = uint32_t(m_model.layers.size());
    m_model.layers.push_back(std::move(l));
    return push(op, m_model.layers.back().outChannels);
}

uint32_t ModelBuilder::conv(uint32_t in, uint32_t outChannels, uint32_t kernel, uint32_t stride,
                            uint32_t pad, uint32_t groups, const LayerBits &bits,
                            uint32_t dilation)
{
    Layer l;
    l.outChannels = outChannels;
    l.inChannels = channelsOf(in) / groups;
    l.kernelH = l.kernelW = kernel;
    l.groups = groups;
    l.strideH = l.strideW = stride;
    l.padH = l.padW = pad;
    l.dilationH = l.dilationW = dilation;
    return layerOp(OpKind::Conv, in, std::move(l), bits);
}

uint32_t ModelBuilder::linear(uint32_t in, uint32_t outFeatures, const LayerBits &bits)
{
    Layer l;
    l.outChannels = outFeatures;
    l.inChannels = channelsOf(in);
    return layerOp(OpKind::Linear, in, std::move(l), bits);
}

uint32_t ModelBuilder::add(uint32_t a, uint32_t b)
{
    Op op;
    op.kind = OpKind::Add;
    op.inputs = {a, b};
    return push(op, channelsOf(a));
}

uint32_t ModelBuilder::clamp(uint32_t in, float lo, float hi)
{
    Op op;
    op.kind = OpKind::Clamp;
    op.inputs = {in};
    op.lo = lo;
    op.hi = hi;
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::relu(uint32_t in)
{
    return clamp(in, 0.0f, std::numeric_limits<float>::infinity());
}

uint32_t ModelBuilder::pool(OpKind kind, uint32_t in, uint32_t kernel, uint32_t stride,
                           uint32_t pad)
{
    Op op;
    op.kind = kind;
    op.inputs = {in};
    op.kernelH = op.kernelW = kernel;
    op.strideH = op.strideW = stride;
    op.padH = op.padW = pad;
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::maxPool(uint32_t in, uint32_t kernel, uint32_t stride, uint32_t pad)
{
    return pool(OpKind::MaxPool, in, kernel, stride, pad);
}

uint32_t ModelBuilder::avgPool(uint32_t in, uint32_t kernel, uint32_t stride, uint32_t pad)
{
    return pool(OpKind::AvgPool, in, kernel, stride, pad);
}

uint32_t ModelBuilder::globalAvgPool(uint32_t in)
{
    Op op;
    op.kind = OpKind::GlobalAvgPool;
    op.inputs = {in};
    op.keepDims = 1;
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::flatten(uint32_t in)
{
    Op op;
    op.kind = OpKind::Flatten;
    op.inputs = {in};
    Model sofar = m_model;
    sofar.output = in;
    const auto features = ShapeInference::elements(ShapeInference::infer(sofar)[in]);
    return push(op, uint32_t(features));
}

uint32_t ModelBuilder::channelAffine(uint32_t in)
{
    Op op;
    op.kind = OpKind::ChannelAffine;
    op.inputs = {in};
    std::uniform_real_distribution<float> scale(-0.5f, 2.0f), shift(-0.5f, 0.5f);
    for (uint32_t c = 0; c < channelsOf(in); ++c) {
        op.scale.push_back(scale(m_random));
        op.shift.push_back(shift(m_random));
    }
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::groupNorm(uint32_t in, uint32_t groups, float epsilon)
{
    const uint32_t out = channelAffine(in);
    Op &op = m_model.ops.back();
    op.kind = OpKind::GroupNorm;
    op.groups = groups;
    op.epsilon = epsilon;
    return out;
}

uint32_t ModelBuilder::layerNorm(uint32_t in, float epsilon)
{
    const uint32_t out = channelAffine(in);
    Op &op = m_model.ops.back();
    op.kind = OpKind::LayerNorm;
    op.epsilon = epsilon;
    return out;
}

uint32_t ModelBuilder::activation(uint32_t in, ActivationFunction f)
{
    Op op;
    op.kind = OpKind::Activation;
    op.inputs = {in};
    op.function = f;
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::prelu(uint32_t in, bool perChannel, float slope)
{
    Op op;
    op.kind = OpKind::PRelu;
    op.inputs = {in};
    std::uniform_real_distribution<float> slopes(0.0f, 0.5f);
    for (uint32_t c = 0; c < (perChannel ? channelsOf(in) : 1); ++c)
        op.slopes.push_back(perChannel ? slopes(m_random) : slope);
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::softmax(uint32_t in, bool log)
{
    Op op;
    op.kind = OpKind::Softmax;
    op.inputs = {in};
    op.log = log ? 1 : 0;
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::mul(uint32_t a, uint32_t b)
{
    Op op;
    op.kind = OpKind::Mul;
    op.inputs = {a, b};
    return push(op, channelsOf(a));
}

uint32_t ModelBuilder::channelSlice(uint32_t in, uint32_t first, uint32_t count)
{
    Op op;
    op.kind = OpKind::ChannelSlice;
    op.inputs = {in};
    op.first = first;
    op.count = count;
    return push(op, count);
}

uint32_t ModelBuilder::channelShuffle(uint32_t in, uint32_t groups)
{
    Op op;
    op.kind = OpKind::ChannelShuffle;
    op.inputs = {in};
    op.groups = groups;
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::pad(uint32_t in, uint32_t top, uint32_t bottom, uint32_t left,
                           uint32_t right, PadMode mode)
{
    Op op;
    op.kind = OpKind::Pad;
    op.inputs = {in};
    op.padTop = top, op.padBottom = bottom, op.padLeft = left, op.padRight = right;
    op.padMode = mode;
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::resize(uint32_t in, ResizeMode mode, uint32_t outHeight,
                              uint32_t outWidth, bool alignCorners)
{
    m_model.output = in; // the shapes so far (build sets the model's output)
    const Shape inShape = ShapeInference::infer(m_model)[in];
    Op op;
    op.kind = OpKind::Resize;
    op.inputs = {in};
    op.resizeMode = mode;
    op.alignCorners = alignCorners ? 1 : 0;
    op.outHeight = outHeight, op.outWidth = outWidth;
    op.stepH = resizeStep(mode, alignCorners, inShape.at(1), outHeight, 0);
    op.stepW = resizeStep(mode, alignCorners, inShape.at(2), outWidth, 0);
    return push(op, channelsOf(in));
}

uint32_t ModelBuilder::concat(const std::vector<uint32_t> &ins)
{
    Op op;
    op.kind = OpKind::Concat;
    op.inputs = ins;
    uint32_t channels = 0;
    for (uint32_t v : ins)
        channels += channelsOf(v);
    return push(op, channels);
}

Model ModelBuilder::build(uint32_t out)
{
    m_model.output = out;
    ShapeInference::infer(m_model); // throws where an op does not fit
    return m_model;
}

} // namespace quantscope::qsm
