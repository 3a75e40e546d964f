// SPDX-License-Identifier: MIT
#include "shape_inference.h"

#include <algorithm>
#include <string>

namespace quantscope::qsm {

namespace {

std::string shapeText(const Shape &s)
{
    std::string text;
    for (auto d : s)
        text += (text.empty() ? "" : "x") + std::to_string(d);
    return text.empty() ? "scalar" : text;
}

// Output side of a convolution or pooling window along one axis; 0 when it does not fit.
uint32_t windowOutput(uint64_t in, uint64_t kernel, uint64_t stride, uint64_t pad,
                      uint64_t dilation, bool ceilMode)
{
    const uint64_t span = dilation * (kernel - 1) + 1;
    if (stride == 0 || kernel == 0 || in + 2 * pad < span)
        return 0;
    uint64_t out = (in + 2 * pad - span + (ceilMode ? stride - 1 : 0)) / stride + 1;
    // PyTorch's ceil mode: the last window must start inside the input or its left padding.
    if (ceilMode && (out - 1) * stride >= in + pad)
        --out;
    return out > 0xFFFFFFFFu ? 0 : uint32_t(out);
}

} // namespace

uint64_t ShapeInference::elements(const Shape &shape)
{
    uint64_t n = 1;
    for (auto d : shape)
        n *= d;
    return n;
}

std::vector<Shape> ShapeInference::infer(const Model &model)
{
    std::vector<Shape> shapes(model.valueCount);
    std::vector<bool> written(model.valueCount, false);
    if (model.valueCount == 0)
        throw FormatError("the model has no values");
    shapes[0] = {model.channels, model.height, model.width};
    written[0] = true;
    if (elements(shapes[0]) == 0 || elements(shapes[0]) > kMaxElements)
        throw FormatError("input shape " + shapeText(shapes[0]) + " is empty or too large");

    for (size_t i = 0; i < model.ops.size(); ++i) {
        const Op &op = model.ops[i];
        const std::string where = "op " + std::to_string(i) + " (" + opKindName(op.kind) + ")";
        auto fail = [&](const std::string &why) { throw FormatError(where + ": " + why); };
        const size_t arity = op.kind == OpKind::Add || op.kind == OpKind::Mul ? 2 : 1;
        if (op.kind == OpKind::Concat ? op.inputs.size() < 2 : op.inputs.size() != arity)
            fail("takes " + std::string(op.kind == OpKind::Concat ? "2 or more" :
                                        std::to_string(arity)) +
                 " inputs, has " + std::to_string(op.inputs.size()));
        for (uint32_t v : op.inputs)
            if (v >= model.valueCount || !written[v])
                fail("reads value " + std::to_string(v) + " before it is written");
        if (op.output >= model.valueCount || written[op.output])
            fail("writes value " + std::to_string(op.output) + " that is out of range or taken");
        const Shape &in = shapes[op.inputs[0]];
        Shape out;
        switch (op.kind) {
        case OpKind::Conv:
        case OpKind::Linear: {
            if (op.layer >= model.layers.size())
                fail("names layer " + std::to_string(op.layer) + " of " +
                     std::to_string(model.layers.size()));
            const Layer &l = model.layers[op.layer];
            if (l.kind != op.kind)
                fail("its layer is of the other kind");
            if (op.kind == OpKind::Linear) {
                if (in.size() != 1 || in[0] != l.inChannels)
                    fail("expects " + std::to_string(l.inChannels) + " features, gets " +
                         shapeText(in));
                out = {l.outChannels};
                break;
            }
            if (in.size() != 3 || uint64_t(l.inChannels) * l.groups != in[0])
                fail("expects " + std::to_string(uint64_t(l.inChannels) * l.groups) +
                     " channels, gets " + shapeText(in));
            const uint32_t h = windowOutput(in[1], l.kernelH, l.strideH, l.padH, l.dilationH, false);
            const uint32_t w = windowOutput(in[2], l.kernelW, l.strideW, l.padW, l.dilationW, false);
            if (h == 0 || w == 0)
                fail("its kernel does not fit the " + shapeText(in) + " input");
            out = {l.outChannels, h, w};
            break;
        }
        case OpKind::Add:
            if (shapes[op.inputs[1]] != in)
                fail("adds " + shapeText(in) + " to " + shapeText(shapes[op.inputs[1]]));
            out = in;
            break;
        case OpKind::Clamp:
            if (!(op.lo <= op.hi))
                fail("its range is empty");
            out = in;
            break;
        case OpKind::Activation:
            out = in;
            break;
        case OpKind::Softmax:
            if (in.size() != 1)
                fail("needs a vector input (the features of a classifier), gets " +
                     shapeText(in));
            out = in;
            break;
        case OpKind::PRelu:
            if (in.size() != 3 && in.size() != 1)
                fail("needs a C×H×W or a vector input, gets " + shapeText(in));
            if (op.slopes.size() != 1 && op.slopes.size() != in[0])
                fail("has " + std::to_string(op.slopes.size()) + " slopes for " +
                     std::to_string(in[0]) + " channels");
            out = in;
            break;
        case OpKind::Mul: {
            // Equal shapes, or one operand a C×1×1 map of the other's channels.
            const Shape &other = shapes[op.inputs[1]];
            const auto perChannel = [](const Shape &s, const Shape &map) {
                return s.size() == 3 && map.size() == 3 && s[0] == map[0] && s[1] == 1 &&
                       s[2] == 1;
            };
            if (in == other || perChannel(in, other))
                out = other;
            else if (perChannel(other, in))
                out = in;
            else
                fail("multiplies " + shapeText(in) + " by " + shapeText(other));
            break;
        }
        case OpKind::MaxPool:
        case OpKind::AvgPool: {
            if (in.size() != 3)
                fail("needs a C×H×W input, gets " + shapeText(in));
            if (op.padH * 2 > op.kernelH || op.padW * 2 > op.kernelW)
                fail("pads more than half its window");
            const uint32_t h = windowOutput(in[1], op.kernelH, op.strideH, op.padH, 1, op.ceilMode);
            const uint32_t w = windowOutput(in[2], op.kernelW, op.strideW, op.padW, 1, op.ceilMode);
            if (h == 0 || w == 0)
                fail("its window does not fit the " + shapeText(in) + " input");
            out = {in[0], h, w};
            break;
        }
        case OpKind::GlobalAvgPool:
            if (in.size() != 3)
                fail("needs a C×H×W input, gets " + shapeText(in));
            out = op.keepDims ? Shape{in[0], 1, 1} : Shape{in[0]};
            break;
        case OpKind::Flatten:
            out = {uint32_t(elements(in))};
            break;
        case OpKind::ChannelAffine:
        case OpKind::GroupNorm:
        case OpKind::LayerNorm:
            if (in.size() != 3 && (in.size() != 1 || op.kind == OpKind::GroupNorm))
                fail(std::string("needs a C×H×W ") +
                     (op.kind == OpKind::GroupNorm ? "" : "or a vector ") + "input, gets " +
                     shapeText(in));
            if (op.kind == OpKind::GroupNorm && (op.groups == 0 || in[0] % op.groups != 0))
                fail("cannot split " + std::to_string(in[0]) + " channels in " +
                     std::to_string(op.groups) + " groups");
            if (op.scale.size() != in[0] || op.shift.size() != in[0])
                fail("has " + std::to_string(op.scale.size()) + " scales and " +
                     std::to_string(op.shift.size()) + " shifts for " + std::to_string(in[0]) +
                     " channels");
            if (op.kind != OpKind::ChannelAffine &&
                !(op.epsilon >= 0.0f && op.epsilon <= 1e30f)) // NaN fails both
                fail("has epsilon " + std::to_string(op.epsilon) + ", not a finite one ≥ 0");
            out = in;
            break;
        case OpKind::Concat: {
            // Along the first axis, the channels of a map or the features of a vector.
            uint64_t channels = 0;
            for (uint32_t v : op.inputs) {
                const Shape &s = shapes[v];
                if (s.size() != in.size() || !std::equal(s.begin() + 1, s.end(), in.begin() + 1))
                    fail("joins " + shapeText(in) + " and " + shapeText(s) +
                         ", which differ beyond the channels");
                channels += s[0];
            }
            if (channels > kMaxElements)
                fail("joins more than " + std::to_string(kMaxElements) + " channels");
            out = in;
            out[0] = uint32_t(channels);
            break;
        }
        case OpKind::ChannelSlice:
            // Of a map's channels or a vector's features.
            if (in.size() != 3 && in.size() != 1)
                fail("needs a C×H×W or a vector input, gets " + shapeText(in));
            if (op.count == 0 || uint64_t(op.first) + op.count > in[0])
                fail("takes channels " + std::to_string(op.first) + " to " +
                     std::to_string(uint64_t(op.first) + op.count) + " (exclusive) of " +
                     std::to_string(in[0]));
            out = in;
            out[0] = op.count;
            break;
        case OpKind::ChannelShuffle:
            if (in.size() != 3 && in.size() != 1)
                fail("needs a C×H×W or a vector input, gets " + shapeText(in));
            if (op.groups == 0 || in[0] % op.groups != 0)
                fail("cannot cut " + std::to_string(in[0]) + " channels into " +
                     std::to_string(op.groups) + " groups");
            out = in;
            break;
        case OpKind::Pad: {
            if (in.size() != 3)
                fail("needs a C×H×W input, gets " + shapeText(in));
            if (op.padMode == PadMode::Reflect && (std::max(op.padTop, op.padBottom) >= in[1] ||
                                                   std::max(op.padLeft, op.padRight) >= in[2]))
                fail("reflects more rows or columns than the " + shapeText(in) + " input has");
            if (op.padMode == PadMode::Circular && (std::max(op.padTop, op.padBottom) > in[1] ||
                                                    std::max(op.padLeft, op.padRight) > in[2]))
                fail("wraps more rows or columns around than the " + shapeText(in) +
                     " input has");
            const uint64_t h = uint64_t(in[1]) + op.padTop + op.padBottom,
                           w = uint64_t(in[2]) + op.padLeft + op.padRight;
            if (h > kMaxElements || w > kMaxElements)
                fail("pads the " + shapeText(in) + " input beyond any size");
            out = {in[0], uint32_t(h), uint32_t(w)};
            break;
        }
        case OpKind::Resize: {
            if (in.size() != 3)
                fail("needs a C×H×W input, gets " + shapeText(in));
            const auto step = [](float s) { return s >= 0.0f && s <= float(kMaxElements); };
            if (!step(op.stepH) || !step(op.stepW)) // NaN fails both
                fail("has steps " + std::to_string(op.stepH) + " × " + std::to_string(op.stepW) +
                     ", not finite ones ≥ 0");
            if (op.outHeight > kMaxElements || op.outWidth > kMaxElements)
                fail("resizes the " + shapeText(in) + " input beyond any size");
            out = {in[0], op.outHeight, op.outWidth};
            break;
        }
        default:
            fail("unknown kind " + std::to_string(uint32_t(op.kind)));
        }
        if (elements(out) == 0 || elements(out) > kMaxElements)
            fail("its output " + shapeText(out) + " is empty or too large");
        shapes[op.output] = out;
        written[op.output] = true;
    }
    if (model.output >= model.valueCount || !written[model.output])
        throw FormatError("the output value " + std::to_string(model.output) + " is never written");
    return shapes;
}

} // namespace quantscope::qsm
