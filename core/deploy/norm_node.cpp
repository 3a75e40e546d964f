// SPDX-License-Identifier: MIT
#include "norm_node.h"

#include <torch/csrc/jit/ir/ir.h>

namespace quantscope::deploy {

namespace {

using torch::jit::Node;

// The node's input i as a constant tensor in double; undefined where it is None. Refused
// where the model computes it.
at::Tensor constantTensor(Node *node, size_t i, const char *what)
{
    const auto c = torch::jit::toIValue(node->input(i));
    if (c && c->isNone())
        return {};
    if (!c || !c->isTensor())
        NodeConstants::refuse(node, std::string("a norm whose ") + what + " the model computes");
    return c->toTensor().to(torch::kFloat64);
}

double number(Node *node, size_t i)
{
    return torch::jit::toIValue(node->input(i))->toDouble();
}

// The per-channel γ and β of an affine norm (ones and zeros where it has none) into op.
void setScaleAndShift(qsm::Op &op, Node *node, size_t weight, int64_t channels)
{
    const auto w = constantTensor(node, weight, "scale");
    const auto b = constantTensor(node, weight + 1, "shift");
    op.scale = w.defined() ? NodeConstants::floats(w) : std::vector<float>(size_t(channels), 1.0f);
    op.shift = b.defined() ? NodeConstants::floats(b) : std::vector<float>(size_t(channels), 0.0f);
}

// Inference with running statistics: x·γ/√(σ² + ε) + (β − μ·γ/√(σ² + ε)) per channel.
qsm::Op runningAffine(Node *node, size_t weight, size_t mean, size_t eps)
{
    const auto mu = constantTensor(node, mean, "running mean");
    const auto var = constantTensor(node, mean + 1, "running variance");
    if (!mu.defined() || !var.defined())
        NodeConstants::refuse(node, "a norm without running statistics");
    auto scale = (var + number(node, eps)).rsqrt();
    if (const auto w = constantTensor(node, weight, "scale"); w.defined())
        scale = scale * w;
    auto shift = -mu * scale;
    if (const auto b = constantTensor(node, weight + 1, "shift"); b.defined())
        shift = shift + b;
    qsm::Op op;
    op.kind = qsm::OpKind::ChannelAffine;
    op.scale = NodeConstants::floats(scale);
    op.shift = NodeConstants::floats(shift);
    return op;
}

} // namespace

std::optional<NormNode> NormNode::of(Node *node, const NodeConstants::ShapeOf &shapeOf)
{
    const auto kind = node->kind();
    const bool group = kind == c10::aten::group_norm, instance = kind == c10::aten::instance_norm;
    if (!group && !instance && kind != c10::aten::batch_norm)
        return std::nullopt;
    NormNode n;
    n.input = node->input(0);
    // batch_norm and instance_norm: (x, weight, bias, running_mean, running_var,
    // training / use_input_stats, momentum, eps, cudnn_enabled).
    const bool perImage = !group && torch::jit::toIValue(node->input(5))->toBool();
    if (!group && !perImage) { // the folded batch norm's, or an instance norm's running ones
        n.op = runningAffine(node, 1, 3, 7);
        return n;
    }
    if (!group && !instance) // a batch norm's batch statistics: a training graph
        NodeConstants::refuse(node, "a batch norm without running statistics");
    // group_norm: (x, num_groups, weight, bias, eps, cudnn_enabled).
    const auto shape = shapeOf(n.input);
    if (shape.size() != 3)
        NodeConstants::refuse(node, "a group or instance norm of other than a map");
    const auto groups = group ? NodeConstants::integer(node->input(1)) : int64_t(shape[0]);
    if (!groups || *groups <= 0 || shape[0] % *groups != 0)
        NodeConstants::refuse(node, "a group norm whose groups do not divide the channels");
    n.op.kind = qsm::OpKind::GroupNorm;
    n.op.groups = uint32_t(*groups);
    n.op.epsilon = float(number(node, group ? 4 : 7));
    setScaleAndShift(n.op, node, group ? 2 : 1, shape[0]);
    return n;
}

} // namespace quantscope::deploy
