// SPDX-License-Identifier: MIT
#include "norm_node.h"

#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>

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

// The per-channel γ and β of a norm of `channels` (ones and zeros where it is not affine),
// its weight the node's input i and its bias i + 1.
std::pair<at::Tensor, at::Tensor> scaleAndShift(Node *node, size_t i, int64_t channels)
{
    const auto w = constantTensor(node, i, "scale"), b = constantTensor(node, i + 1, "shift");
    return {w.defined() ? w : torch::ones({channels}, torch::kFloat64),
            b.defined() ? b : torch::zeros({channels}, torch::kFloat64)};
}

// Inference with running statistics (inputs 3 and 4; ε input 7): per channel x·s + (β − μ·s)
// with s = γ/√(σ² + ε).
qsm::Op runningAffine(Node *node)
{
    const auto mu = constantTensor(node, 3, "running mean");
    const auto var = constantTensor(node, 4, "running variance");
    if (!mu.defined() || !var.defined())
        NodeConstants::refuse(node, "a norm without running statistics");
    const auto [gamma, beta] = scaleAndShift(node, 1, mu.numel());
    const auto scale = (var + number(node, 7)).rsqrt() * gamma;
    qsm::Op op;
    op.kind = qsm::OpKind::ChannelAffine;
    op.scale = NodeConstants::floats(scale);
    op.shift = NodeConstants::floats(beta - mu * scale);
    return op;
}

// layer_norm: (x, normalized_shape, weight, bias, eps, cudnn_enable), over the last axis
// alone: the channels of a map permuted to channels last, or a vector's features.
NormNode layerNorm(Node *node, const qsm::Shape &shape, bool channelsLast)
{
    NormNode n;
    n.input = node->input(0);
    const bool overChannels = channelsLast || shape.size() == 1;
    if (!overChannels ||
        NodeConstants::ints(node->input(1), "normalized shape", node) !=
            std::vector<int64_t>{int64_t(shape[0])})
        NodeConstants::refuse(node, "a layer norm over other than each pixel's channels (of a "
                                    "map permuted to channels last) or a vector's features");
    n.op.kind = qsm::OpKind::LayerNorm;
    n.op.epsilon = float(number(node, 4));
    const auto [gamma, beta] = scaleAndShift(node, 2, shape[0]);
    n.op.scale = NodeConstants::floats(gamma);
    n.op.shift = NodeConstants::floats(beta);
    return n;
}

// A reduction over the channels alone, keeping them as one: mean(x, [1], True, None) or
// var(x, [1], False, True) (the population variance, by flag or by a correction of 0).
bool reducesChannels(const Node *node)
{
    if ((node->kind() != c10::aten::mean && node->kind() != c10::aten::var) ||
        node->inputs().size() != 4)
        return false;
    const auto dims = torch::jit::toIValue(node->input(1));
    if (!dims || !dims->isIntList() || dims->toIntVector() != std::vector<int64_t>{1})
        return false;
    const auto flag = [&](size_t i) { return torch::jit::toIValue(node->input(i)); };
    if (node->kind() == c10::aten::mean)
        return flag(2) && flag(2)->isBool() && flag(2)->toBool() && flag(3) && flag(3)->isNone();
    const auto population = flag(2);
    return population &&
           ((population->isBool() && !population->toBool()) ||
            (population->isInt() && population->toInt() == 0)) &&
           flag(3) && flag(3)->isBool() && flag(3)->toBool();
}

struct WrittenOutNorm
{
    torch::jit::Value *input = nullptr;
    double epsilon = 0;
    std::vector<const Node *> parts; // every op of it but the last
};

// The written-out layer norm that `last` ends (NormNode::writtenOut), matched op by op back
// from it; each part's result must be read within the norm alone.
std::optional<WrittenOutNorm> matchWrittenOut(Node *last)
{
    using torch::jit::Value;
    const auto plainDifference = [](const Node *n, c10::Symbol kind) {
        return n->kind() == kind && n->inputs().size() == 3 &&
               NodeConstants::number(n->input(2)) == 1.0;
    };
    Value *centred = nullptr, *root = nullptr; // x − u and √(s + ε) or its reciprocal
    if (last->kind() == c10::aten::div &&
        last->input(1)->node()->kind() == c10::aten::sqrt) {
        centred = last->input(0), root = last->input(1);
    } else if (last->kind() == c10::aten::mul) {
        for (size_t i = 0; i < 2 && !root; ++i)
            if (last->input(i)->node()->kind() == c10::aten::rsqrt)
                root = last->input(i), centred = last->input(1 - i);
    }
    if (!root || !plainDifference(root->node()->input(0)->node(), c10::aten::add) ||
        !plainDifference(centred->node(), c10::aten::sub))
        return std::nullopt;
    Node *sum = root->node()->input(0)->node(); // s + ε
    Node *mean = centred->node()->input(1)->node();
    Value *x = centred->node()->input(0);
    Node *variance = sum->input(0)->node();
    const auto epsilon = NodeConstants::number(sum->input(1));
    if (!epsilon || mean->kind() != c10::aten::mean || mean->input(0) != x ||
        !reducesChannels(mean) || !reducesChannels(variance))
        return std::nullopt;
    WrittenOutNorm norm{x, *epsilon, {mean, centred->node(), variance, sum, root->node()}};
    if (variance->kind() == c10::aten::mean) {
        // The mean of (x − u)², as a square or a power of 2, of x − u computed once or twice.
        Node *square = variance->input(0)->node();
        const bool power = square->kind() == c10::aten::pow &&
                           NodeConstants::number(square->input(1)) == 2.0;
        if (!power && !(square->kind() == c10::aten::mul && square->input(0) == square->input(1)))
            return std::nullopt;
        Node *twin = square->input(0)->node();
        if (twin != centred->node() && !(plainDifference(twin, c10::aten::sub) &&
                                         twin->input(0) == x && twin->input(1) == mean->output()))
            return std::nullopt;
        norm.parts.push_back(square);
        if (twin != centred->node())
            norm.parts.push_back(twin);
    } else if (variance->input(0) != x) {
        return std::nullopt;
    }
    for (const Node *part : norm.parts)
        for (const auto &use : part->output()->uses())
            if (use.user != last &&
                std::find(norm.parts.begin(), norm.parts.end(), use.user) == norm.parts.end())
                return std::nullopt;
    return norm;
}

} // namespace

std::optional<NormNode> NormNode::writtenOut(Node *node, const NodeConstants::ShapeOf &shapeOf)
{
    const auto match = matchWrittenOut(node);
    if (!match)
        return std::nullopt;
    const auto shape = shapeOf(match->input);
    if (shape.size() != 3 && shape.size() != 1)
        NodeConstants::refuse(node, "a layer norm over other than a map's or a vector's channels");
    NormNode n;
    n.input = match->input;
    n.op.kind = qsm::OpKind::LayerNorm;
    n.op.epsilon = float(match->epsilon);
    n.op.scale.assign(shape[0], 1.0f);
    n.op.shift.assign(shape[0], 0.0f);
    return n;
}

std::vector<const Node *> NormNode::writtenOutParts(Node *node)
{
    const auto match = matchWrittenOut(node);
    return match ? match->parts : std::vector<const Node *>();
}

std::optional<NormNode> NormNode::of(Node *node, const NodeConstants::ShapeOf &shapeOf,
                                     bool channelsLast)
{
    const auto kind = node->kind();
    if (kind == c10::aten::layer_norm)
        return layerNorm(node, shapeOf(node->input(0)), channelsLast);
    const bool group = kind == c10::aten::group_norm, instance = kind == c10::aten::instance_norm;
    if (!group && !instance && kind != c10::aten::batch_norm)
        return std::nullopt;
    if (channelsLast)
        NodeConstants::refuse(node, "a batch, group or instance norm of a map permuted to "
                                    "channels last");
    NormNode n;
    n.input = node->input(0);
    // batch_norm and instance_norm: (x, weight, bias, running_mean, running_var,
    // training / use_input_stats, momentum, eps, cudnn_enabled).
    if (!group) {
        if (!torch::jit::toIValue(node->input(5))->toBool()) { // the running statistics
            n.op = runningAffine(node);
            return n;
        }
        if (!instance) // a batch norm of the batch's statistics: a training graph
            NodeConstants::refuse(node, "a batch norm without running statistics");
    }
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
    const auto [gamma, beta] = scaleAndShift(node, group ? 2 : 1, shape[0]);
    n.op.scale = NodeConstants::floats(gamma);
    n.op.shift = NodeConstants::floats(beta);
    return n;
}

} // namespace quantscope::deploy
