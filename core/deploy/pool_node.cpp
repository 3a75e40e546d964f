// SPDX-License-Identifier: MIT
#include "pool_node.h"

#include "pointwise_node.h"

#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>

namespace quantscope::deploy {

namespace {

using torch::jit::Node;
using torch::jit::Value;

bool flag(Value *v)
{
    return torch::jit::toIValue(v)->toBool();
}

// max_pool2d(x, kernel, stride, padding, dilation, ceil_mode) and
// avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override).
qsm::Op windowed(Node *node, const NodeConstants::IntsOf &intsOf)
{
    const bool max = node->kind() == c10::aten::max_pool2d;
    qsm::Op op;
    op.kind = max ? qsm::OpKind::MaxPool : qsm::OpKind::AvgPool;
    const auto k = intsOf(node->input(1), "kernel size");
    auto s = intsOf(node->input(2), "stride");
    const auto p = intsOf(node->input(3), "padding");
    if (s.empty())
        s = k;
    op.kernelH = uint32_t(k[0]), op.kernelW = uint32_t(k.size() > 1 ? k[1] : k[0]);
    op.strideH = uint32_t(s[0]), op.strideW = uint32_t(s.size() > 1 ? s[1] : s[0]);
    op.padH = uint32_t(p[0]), op.padW = uint32_t(p.size() > 1 ? p[1] : p[0]);
    if (max) {
        const auto d = intsOf(node->input(4), "dilation");
        if (d[0] != 1 || (d.size() > 1 && d[1] != 1))
            NodeConstants::refuse(node, "dilated max pooling");
        op.ceilMode = flag(node->input(5));
    } else {
        op.ceilMode = flag(node->input(4));
        op.countIncludePad = flag(node->input(5));
        if (const auto d = torch::jit::toIValue(node->input(6)); d && !d->isNone())
            NodeConstants::refuse(node, "a divisor override");
    }
    return op;
}

// The input size is fixed, so are the bins: an output size that divides the map is plain
// pooling, and the map's own size the identity (AlexNet's 6×6 and VGG's 7×7 heads at 224
// pixels). A max pool's first output is the values (the second, the indices, is no value of
// the packed model). `size`: the node's output size.
std::vector<qsm::Op> adaptive(Node *node, const std::vector<int64_t> &size,
                              const qsm::Shape &in)
{
    const bool max = node->kind() == c10::aten::adaptive_max_pool2d;
    const int64_t oh = size[0], ow = size.size() > 1 ? size[1] : size[0];
    if (in.size() != 3 || oh <= 0 || ow <= 0 || in[1] % oh != 0 || in[2] % ow != 0)
        NodeConstants::refuse(node, std::string("an adaptive ") + (max ? "max" : "average") +
                                        " pool whose output does not divide its input");
    if (in[1] == oh && in[2] == ow)
        return {};
    qsm::Op op;
    op.kind = max ? qsm::OpKind::MaxPool : qsm::OpKind::AvgPool;
    op.kernelH = op.strideH = uint32_t(in[1] / oh);
    op.kernelW = op.strideW = uint32_t(in[2] / ow);
    return {op};
}

// A reduction's dimensions, counted from the front of a value of `rank` (the batch included),
// in order.
std::vector<int64_t> reducedAxes(Node *node, size_t rank)
{
    // x.mean() or x.sum(): no dimensions, or None for them.
    const bool none = node->inputs().size() <= 2 || node->input(1)->mustBeNone();
    if (none)
        NodeConstants::refuse(node, "a reduction over every element, the batch's too");
    auto dims = NodeConstants::ints(node->input(1), "dimensions", node);
    for (auto &d : dims)
        d = d < 0 ? d + int64_t(rank) : d;
    std::sort(dims.begin(), dims.end());
    return dims;
}

// x.mean(3).mean(2) and its kin (x.mean(-1).mean(-1), both with keepdim): one spatial axis of
// a map reduced by `node`, the other by its one user, the same reduction with the same keepdim.
// That user, or none.
Node *otherAxis(Node *node, int64_t axis, bool keepDim)
{
    const auto &uses = node->output()->uses();
    if (uses.size() != 1 || uses[0].user->kind() != node->kind() || uses[0].offset != 0)
        return nullptr;
    Node *next = uses[0].user;
    // Rows reduced without keepdim leave N×C×W, the columns then axis 2; else they stay 3.
    const int64_t rest = axis == 3 || !keepDim ? 2 : 3;
    if (reducedAxes(next, keepDim ? 4 : 3) != std::vector<int64_t>{rest} ||
        flag(next->input(2)) != keepDim)
        return nullptr;
    return next;
}

// Over the whole map, a vector unless keepdim: a global average pool; x.amax a max pool of the
// map's size (flattened unless keepdim); x.sum the global average times the pixels.
PoolNode global(Node *node, const qsm::Shape &in)
{
    const auto kind = node->kind();
    const bool max = kind == c10::aten::amax, sum = kind == c10::aten::sum;
    PoolNode p;
    p.input = node->input(0);
    p.output = node->output();
    qsm::Op op;
    op.kind = max ? qsm::OpKind::MaxPool : qsm::OpKind::GlobalAvgPool;
    op.keepDims = 1;
    if (kind != c10::aten::adaptive_avg_pool2d) {
        const auto axes = reducedAxes(node, in.size() + 1);
        op.keepDims = flag(node->input(2));
        Node *next = in.size() == 3 && axes.size() == 1 && (axes[0] == 2 || axes[0] == 3)
                         ? otherAxis(node, axes[0], op.keepDims)
                         : nullptr;
        if (next)
            p.output = next->output();
        else if (in.size() != 3 || axes != std::vector<int64_t>{2, 3})
            NodeConstants::refuse(node, std::string("a ") + kind.toUnqualString() +
                                            " over other than a map's rows and columns");
    }
    if (max)
        op.kernelH = op.strideH = in[1], op.kernelW = op.strideW = in[2];
    p.chain.push_back(op);
    if (sum) {
        p.chain.push_back(PointwiseNode::scaling(in[0], float(in[1]) * float(in[2])));
    } else if (max && !op.keepDims) { // the max pool's C×1×1 as a vector
        qsm::Op flatten;
        flatten.kind = qsm::OpKind::Flatten;
        p.chain.push_back(flatten);
    }
    return p;
}

} // namespace

std::optional<PoolNode> PoolNode::of(Node *node, const NodeConstants::ShapeOf &shapeOf,
                                     const NodeConstants::IntsOf &intsOf)
{
    const auto kind = node->kind();
    if (kind == c10::aten::max_pool2d || kind == c10::aten::avg_pool2d)
        return PoolNode{{windowed(node, intsOf)}, node->input(0), node->output()};
    const bool adaptiveAverage = kind == c10::aten::adaptive_avg_pool2d;
    if (adaptiveAverage || kind == c10::aten::adaptive_max_pool2d) {
        const auto size = NodeConstants::ints(node->input(1), "output size", node);
        const bool toOne = size == std::vector<int64_t>{1, 1} || size == std::vector<int64_t>{1};
        if (!adaptiveAverage || !toOne)
            return PoolNode{adaptive(node, size, shapeOf(node->input(0))), node->input(0),
                            node->outputs()[0]};
    } else if (kind != c10::aten::mean && kind != c10::aten::amax && kind != c10::aten::sum) {
        return std::nullopt;
    }
    return global(node, shapeOf(node->input(0)));
}

} // namespace quantscope::deploy
