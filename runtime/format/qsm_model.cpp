// SPDX-License-Identifier: MIT
#include "qsm_model.h"

#include <algorithm>
#include <cmath>

namespace quantscope::qsm {

const char *opKindName(OpKind kind)
{
    switch (kind) {
    case OpKind::Conv: return "conv";
    case OpKind::Linear: return "linear";
    case OpKind::Add: return "add";
    case OpKind::Clamp: return "clamp";
    case OpKind::MaxPool: return "max pool";
    case OpKind::AvgPool: return "average pool";
    case OpKind::GlobalAvgPool: return "global average pool";
    case OpKind::Flatten: return "flatten";
    case OpKind::Concat: return "concat";
    case OpKind::ChannelAffine: return "channel affine";
    case OpKind::Activation: return "activation";
    case OpKind::Mul: return "mul";
    case OpKind::ChannelSlice: return "channel slice";
    case OpKind::ChannelShuffle: return "channel shuffle";
    case OpKind::PRelu: return "prelu";
    case OpKind::Softmax: return "softmax";
    case OpKind::Pad: return "pad";
    case OpKind::GroupNorm: return "group norm";
    case OpKind::LayerNorm: return "layer norm";
    case OpKind::Resize: return "resize";
    }
    return "unknown op";
}

const char *activationName(ActivationFunction f)
{
    switch (f) {
    case ActivationFunction::Sigmoid: return "sigmoid";
    case ActivationFunction::HardSigmoid: return "hardsigmoid";
    case ActivationFunction::SiLU: return "silu";
    case ActivationFunction::HardSwish: return "hardswish";
    case ActivationFunction::GELU: return "gelu";
    case ActivationFunction::GELUTanh: return "gelu (tanh)";
    case ActivationFunction::ELU: return "elu";
    case ActivationFunction::Tanh: return "tanh";
    case ActivationFunction::Softplus: return "softplus";
    case ActivationFunction::Mish: return "mish";
    }
    return "unknown activation";
}

OpKind newestOpKind(uint32_t version)
{
    return version >= 9   ? OpKind::Resize
           : version >= 8 ? OpKind::LayerNorm
           : version >= 7 ? OpKind::GroupNorm
           : version >= 6 ? OpKind::Pad
           : version >= 5 ? OpKind::Softmax
           : version >= 4 ? OpKind::ChannelShuffle
           : version >= 3 ? OpKind::Mul
                          : OpKind::Flatten;
}

ActivationFunction newestActivation(uint32_t version)
{
    return version >= 6   ? ActivationFunction::Mish
           : version >= 5 ? ActivationFunction::ELU
                          : ActivationFunction::HardSwish;
}

PadMode newestPadMode(uint32_t version)
{
    return version >= 9 ? PadMode::Circular : PadMode::Replicate;
}

int64_t Op::padSource(int64_t i, uint32_t size, uint32_t before) const
{
    const int64_t r = i - before, last = int64_t(size) - 1;
    if (r >= 0 && r <= last)
        return r;
    switch (padMode) {
    case PadMode::Reflect: return r < 0 ? -r : 2 * last - r;
    case PadMode::Replicate: return r < 0 ? 0 : last;
    case PadMode::Circular: return (r % int64_t(size) + int64_t(size)) % int64_t(size);
    case PadMode::Zeros: break;
    }
    return -1;
}

float resizeStep(ResizeMode mode, bool alignCorners, uint32_t inSize, uint32_t outSize,
                 double scaleFactor)
{
    // ATen's compute_scales_value and, for bilinear, area_pixel_compute_scale.
    if (mode == ResizeMode::Bilinear && alignCorners)
        return outSize > 1 ? float(inSize - 1) / float(outSize - 1) : 0.0f;
    return scaleFactor > 0 ? float(1.0 / scaleFactor) : float(inSize) / float(outSize);
}

std::vector<ResizeTap> Op::resizeTaps(uint32_t inSize, uint32_t outSize, float step) const
{
    // ATen's upsampling (UpSample.h, 1.13–2.x): the same float expressions, so that an index on
    // the boundary between two input pixels falls the same way.
    std::vector<ResizeTap> taps(outSize);
    const int64_t last = int64_t(inSize) - 1;
    for (uint32_t i = 0; i < outSize; ++i) {
        auto &t = taps[i];
        if (resizeMode != ResizeMode::Bilinear) {
            int64_t source = i;
            if (resizeMode == ResizeMode::NearestExact)
                source = int64_t(std::floor(float((double(i) + 0.5) * double(step))));
            else if (outSize == 2 * inSize)
                source = i >> 1;
            else if (outSize != inSize)
                source = int64_t(std::floor(float(i) * step));
            t.first = t.second = uint32_t(std::min(source, last));
            continue;
        }
        if (outSize == inSize) {
            t.first = t.second = i;
            continue;
        }
        float real = alignCorners ? step * float(i) : float(double(step) * (i + 0.5) - 0.5);
        real = std::max(real, 0.0f);
        const int64_t below = std::min(int64_t(real), last);
        t.first = uint32_t(below);
        t.second = uint32_t(below < last ? below + 1 : below);
        t.secondWeight = std::min(std::max(real - float(below), 0.0f), 1.0f);
        t.firstWeight = 1.0f - t.secondWeight;
    }
    return taps;
}

std::vector<uint32_t> Op::sourceChannels(uint32_t inChannels) const
{
    std::vector<uint32_t> sources;
    if (kind == OpKind::ChannelSlice) {
        for (uint32_t c = 0; c < count; ++c)
            sources.push_back(first + c);
    } else if (kind == OpKind::ChannelShuffle) {
        const uint32_t perGroup = inChannels / groups;
        for (uint32_t j = 0; j < perGroup; ++j)
            for (uint32_t i = 0; i < groups; ++i)
                sources.push_back(i * perGroup + j);
    }
    return sources;
}

uint32_t Layer::code(size_t c, size_t k) const
{
    const size_t bit = k * bits;
    const uint8_t *row = codes.data() + c * rowBytes();
    // A code spans at most two bytes (bits ≤ 8).
    uint32_t word = row[bit / 8];
    if (bit % 8 + bits > 8)
        word |= uint32_t(row[bit / 8 + 1]) << 8;
    return (word >> (bit % 8)) & ((1u << bits) - 1);
}

void Layer::setCode(size_t c, size_t k, uint32_t value)
{
    const size_t bit = k * bits;
    uint8_t *row = codes.data() + c * rowBytes();
    const uint32_t mask = ((1u << bits) - 1) << (bit % 8);
    const uint32_t shifted = (value << (bit % 8)) & mask;
    row[bit / 8] = uint8_t((row[bit / 8] & ~mask) | shifted);
    if (bit % 8 + bits > 8)
        row[bit / 8 + 1] = uint8_t((row[bit / 8 + 1] & ~(mask >> 8)) | (shifted >> 8));
}

void Layer::indexBases()
{
    firstBase.resize(baseCounts.size());
    uint32_t next = 0;
    for (size_t g = 0; g < baseCounts.size(); ++g) {
        firstBase[g] = next;
        next += baseCounts[g];
    }
}

size_t Layer::weightBytes() const
{
    return codes.size() + weights.size() * 4 + baseCounts.size() + alphas.size() * 4 +
           planes.size();
}

double Layer::weightBits() const
{
    if (encoding == WeightEncoding::Float32)
        return 32;
    if (encoding == WeightEncoding::Uniform)
        return bits;
    return baseCounts.empty() ? 0 : double(alphas.size()) / double(baseCounts.size());
}

float Layer::weight(size_t c, size_t k) const
{
    if (encoding == WeightEncoding::Float32)
        return weights[c * rowElements() + k];
    if (encoding == WeightEncoding::BinaryBases) {
        const size_t group = c * pieces + groupOf(k), j = positionOf(k);
        const uint32_t first = firstBase[group];
        const uint8_t *plane = planes.data() + size_t(first) * planeBytes();
        float w = 0.0f;
        for (uint32_t i = 0; i < baseCounts[group]; ++i, plane += planeBytes())
            w += (plane[j / 8] >> (j % 8) & 1u) ? alphas[first + i] : -alphas[first + i];
        return w;
    }
    return scale[c] * (float(code(c, k)) - zeroPoint[c]);
}

void Layer::rowWeights(size_t c, float *out) const
{
    const size_t n = rowElements();
    if (encoding != WeightEncoding::BinaryBases) {
        for (size_t k = 0; k < n; ++k)
            out[k] = weight(c, k);
        return;
    }
    std::fill(out, out + n, 0.0f);
    const size_t size = groupSize();
    for (size_t piece = 0; piece < pieces; ++piece) {
        const size_t group = c * pieces + piece, first = firstBase[group];
        // Position j of the group is weight k = first + j·step of the row.
        const size_t start = interleaved ? piece : piece * size, step = interleaved ? pieces : 1;
        for (size_t i = 0; i < baseCounts[group]; ++i) {
            const uint8_t *plane = planes.data() + (first + i) * planeBytes();
            const float alpha = alphas[first + i];
            for (size_t j = 0; j < size; ++j)
                out[start + j * step] += (plane[j / 8] >> (j % 8) & 1u) ? alpha : -alpha;
        }
    }
}

std::vector<uint32_t> Model::layerInputs() const
{
    std::vector<uint32_t> inputs(layers.size(), 0);
    for (const auto &op : ops)
        if ((op.kind == OpKind::Conv || op.kind == OpKind::Linear) && op.layer < layers.size() &&
            !op.inputs.empty())
            inputs[op.layer] = op.inputs[0];
    return inputs;
}

} // namespace quantscope::qsm
