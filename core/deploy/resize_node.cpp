// SPDX-License-Identifier: MIT
#include "resize_node.h"

#include <torch/csrc/jit/ir/ir.h>

#include <array>
#include <cmath>

namespace quantscope::deploy {

namespace {

// A scale factor the node holds: a number, or none (0).
double scaleFactor(torch::jit::Node *node, torch::jit::Value *v)
{
    const auto c = torch::jit::toIValue(v);
    if (!c || !(c->isNone() || c->isDouble()))
        NodeConstants::refuse(node, "a resize whose scale factor the model computes");
    return c->isNone() ? 0.0 : c->toDouble();
}

} // namespace

std::optional<ResizeNode> ResizeNode::of(torch::jit::Node *node,
                                         const NodeConstants::ShapeOf &shapeOf,
                                         const NodeConstants::IntsOf &intsOf)
{
    const auto kind = node->kind();
    if (kind == c10::aten::upsample_bicubic2d || kind == c10::aten::_upsample_bilinear2d_aa ||
        kind == c10::aten::_upsample_bicubic2d_aa)
        NodeConstants::refuse(node, "a resize other than nearest, nearest-exact or bilinear");
    const bool bilinear = kind == c10::aten::upsample_bilinear2d;
    if (!bilinear && kind != c10::aten::upsample_nearest2d &&
        kind != c10::aten::_upsample_nearest_exact2d)
        return std::nullopt;
    ResizeNode r;
    auto &op = r.op;
    op.kind = qsm::OpKind::Resize;
    op.resizeMode = bilinear ? qsm::ResizeMode::Bilinear
                    : kind == c10::aten::upsample_nearest2d ? qsm::ResizeMode::Nearest
                                                            : qsm::ResizeMode::NearestExact;
    // (x, output_size, [align_corners,] scale_factors) as F.interpolate traces, or
    // (x, output_size, [align_corners,] scales_h, scales_w) as TorchScript calls it.
    const size_t scales = bilinear ? 3 : 2;
    std::array<double, 2> factors{};
    if (node->inputs().size() == scales + 1) {
        const auto c = torch::jit::toIValue(node->input(scales));
        if (!c || !(c->isNone() || c->isDoubleList()))
            NodeConstants::refuse(node, "a resize whose scale factors the model computes");
        if (!c->isNone()) {
            const auto list = c->toDoubleVector();
            if (list.size() != 2)
                NodeConstants::refuse(node, "a resize of other than a map's rows and columns");
            factors = {list[0], list[1]};
        }
    } else {
        factors = {scaleFactor(node, node->input(scales)),
                   scaleFactor(node, node->input(scales + 1))};
    }
    if (bilinear) {
        const auto align = torch::jit::toIValue(node->input(2));
        if (!align || !align->isBool())
            NodeConstants::refuse(node, "a resize whose align_corners the model computes");
        op.alignCorners = align->toBool() ? 1 : 0;
    }
    const auto in = shapeOf(node->input(0));
    if (in.size() != 3)
        NodeConstants::refuse(node, "a resize of other than a map's rows and columns");
    std::array<int64_t, 2> out{};
    const auto size = torch::jit::toIValue(node->input(1));
    if (size && size->isNone()) {
        if (factors[0] <= 0 || factors[1] <= 0)
            NodeConstants::refuse(node, "a resize with neither an output size nor scale factors");
        for (size_t i = 0; i < 2; ++i) // ATen's: the product, truncated
            out[i] = int64_t(double(in[i + 1]) * factors[i]);
    } else {
        const auto given = intsOf(node->input(1), "output size");
        if (given.size() != 2)
            NodeConstants::refuse(node, "a resize of other than a map's rows and columns");
        out = {given[0], given[1]};
    }
    if (out[0] <= 0 || out[1] <= 0 || out[0] > 0xffffffffLL || out[1] > 0xffffffffLL)
        NodeConstants::refuse(node, "a resize to an empty or too large map");
    op.outHeight = uint32_t(out[0]), op.outWidth = uint32_t(out[1]);
    op.stepH = qsm::resizeStep(op.resizeMode, op.alignCorners, in[1], op.outHeight, factors[0]);
    op.stepW = qsm::resizeStep(op.resizeMode, op.alignCorners, in[2], op.outWidth, factors[1]);
    return r;
}

} // namespace quantscope::deploy
