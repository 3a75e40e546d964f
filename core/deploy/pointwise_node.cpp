// SPDX-License-Identifier: MIT
#include "pointwise_node.h"

#include "node_constants.h"

#include <torch/csrc/jit/ir/ir.h>

#include <limits>

namespace quantscope::deploy {

namespace {

using torch::jit::Node;
using torch::jit::Value;

// The smooth activations of MobileNetV3 and EfficientNet, LeNet's tanh and CSPDarknet's mish,
// in place or not.
std::optional<qsm::ActivationFunction> activationOf(c10::Symbol kind)
{
    using F = qsm::ActivationFunction;
    if (kind == c10::aten::sigmoid || kind == c10::aten::sigmoid_)
        return F::Sigmoid;
    if (kind == c10::aten::hardsigmoid || kind == c10::aten::hardsigmoid_)
        return F::HardSigmoid;
    if (kind == c10::aten::silu || kind == c10::aten::silu_)
        return F::SiLU;
    if (kind == c10::aten::hardswish || kind == c10::aten::hardswish_)
        return F::HardSwish;
    if (kind == c10::aten::tanh || kind == c10::aten::tanh_)
        return F::Tanh;
    if (kind == c10::aten::mish || kind == c10::aten::mish_)
        return F::Mish;
    return std::nullopt;
}

// The model's constant as one value per channel of a tensor shaped `shape` (C×H×W or a vector
// of C, batch first; channelsLast: the map as N×H×W×C): a number, or a tensor that varies along
// the channels alone, as a normalising buffer ([1, C, 1, 1] or [C, 1, 1] against a map; [C] or
// [1, C] against a vector or a map permuted to channels last) or a layer scale is. None for a
// tensor that varies along rows, columns or the batch.
std::optional<std::vector<float>> perChannel(Value *v, const qsm::Shape &shape, bool channelsLast)
{
    if (const auto n = NodeConstants::number(v))
        return std::vector<float>(shape[0], float(*n));
    const auto c = torch::jit::toIValue(v);
    if (!c || !c->isTensor())
        return std::nullopt;
    const auto t = c->toTensor();
    const int64_t rank = int64_t(shape.size()) + 1, missing = rank - t.dim();
    const int64_t channelAxis = channelsLast ? rank - 1 : 1;
    if (missing < 0)
        return std::nullopt;
    for (int64_t d = 0; d < rank; ++d) {
        const int64_t size = d < missing ? 1 : t.size(d - missing);
        if (size != (d == channelAxis ? int64_t(shape[0]) : 1))
            return std::nullopt;
    }
    return NodeConstants::floats(t);
}

// add, sub, rsub, mul or div of a tensor the model computes and a constant (a number or a
// tensor per channel, on either side where the result is affine in the tensor) as
// x·scale + shift per channel; none for two computed tensors or another op.
std::optional<PointwiseNode> constantArithmetic(Node *node,
                                                const NodeConstants::ShapeOf &shapeOf,
                                                bool channelsLast)
{
    const auto kind = node->kind();
    const bool add = kind == c10::aten::add || kind == c10::aten::add_;
    const bool sub = kind == c10::aten::sub || kind == c10::aten::sub_;
    const bool rsub = kind == c10::aten::rsub;
    const bool mul = kind == c10::aten::mul || kind == c10::aten::mul_;
    const bool div = kind == c10::aten::div || kind == c10::aten::div_;
    if (!(add || sub || rsub || mul || div) || node->inputs().size() < 2 ||
        (div && node->inputs().size() > 2)) // a division with a rounding mode
        return std::nullopt;
    const bool first = torch::jit::toIValue(node->input(0)).has_value(),
               second = torch::jit::toIValue(node->input(1)).has_value();
    if (first == second || (first && div)) // c / x is not affine in x
        return std::nullopt;
    PointwiseNode p;
    p.input = node->input(first ? 1 : 0);
    const auto c = perChannel(node->input(first ? 0 : 1), shapeOf(p.input), channelsLast);
    if (!c)
        NodeConstants::refuse(node, "arithmetic with a constant that varies along other than "
                                    "the channels");
    const double alpha = add || sub || rsub ? NodeConstants::number(node->input(2)).value_or(1.0)
                                            : 1.0;
    // add and sub as x·a + c·b per channel, c the constant's value there.
    double a = 1.0, b = 0.0;
    if (add) {
        a = first ? alpha : 1.0;
        b = first ? 1.0 : alpha;
    } else if (sub || rsub) { // sub(c, x) and rsub(x, c) are c − alpha·x; the others x − alpha·c
        const bool negatesX = sub == first;
        a = negatesX ? -alpha : 1.0;
        b = negatesX ? 1.0 : -alpha;
    }
    p.op.kind = qsm::OpKind::ChannelAffine;
    for (const float v : *c) {
        p.op.scale.push_back(mul ? v : div ? float(1.0 / v) : float(a));
        p.op.shift.push_back(mul || div ? 0.0f : float(b * v));
    }
    return p;
}

} // namespace

qsm::Op PointwiseNode::scaling(uint32_t channels, float factor)
{
    qsm::Op op;
    op.kind = qsm::OpKind::ChannelAffine;
    op.scale.assign(channels, factor);
    op.shift.assign(channels, 0.0f);
    return op;
}

std::optional<PointwiseNode> PointwiseNode::of(Node *node,
                                                const NodeConstants::ShapeOf &shapeOf,
                                                bool channelsLast)
{
    if (auto affine = constantArithmetic(node, shapeOf, channelsLast))
        return affine;
    const auto kind = node->kind();
    PointwiseNode p;
    p.input = node->input(0);
    qsm::Op &op = p.op;
    if (kind == c10::aten::relu || kind == c10::aten::relu_ || kind == c10::aten::relu6 ||
        kind == c10::aten::hardtanh || kind == c10::aten::hardtanh_ ||
        kind == c10::aten::clamp || kind == c10::aten::clamp_) {
        const double inf = std::numeric_limits<double>::infinity();
        const bool relu = kind == c10::aten::relu || kind == c10::aten::relu_;
        const bool relu6 = kind == c10::aten::relu6;
        op.kind = qsm::OpKind::Clamp;
        op.lo = float(relu || relu6 ? 0.0 : NodeConstants::number(node->input(1)).value_or(-inf));
        op.hi = float(relu    ? inf
                      : relu6 ? 6.0
                              : NodeConstants::number(node->input(2)).value_or(inf));
    } else if (const auto function = activationOf(kind)) {
        op.kind = qsm::OpKind::Activation;
        op.function = *function;
    } else if (kind == c10::aten::gelu || kind == c10::aten::gelu_) {
        // Its approximation by name, from PyTorch 1.12 on (before: the exact form only).
        const auto form = node->inputs().size() > 1 ? torch::jit::toIValue(node->input(1))
                                                    : c10::optional<c10::IValue>();
        const bool tanh = form && form->isString() && form->toStringRef() == "tanh";
        op.kind = qsm::OpKind::Activation;
        op.function = tanh ? qsm::ActivationFunction::GELUTanh : qsm::ActivationFunction::GELU;
    } else if (kind == c10::aten::elu || kind == c10::aten::elu_) {
        for (size_t i = 1; i < 4; ++i)
            if (NodeConstants::number(node->input(i)).value_or(1.0) != 1.0)
                NodeConstants::refuse(node, "an elu with α, scale or input scale ≠ 1");
        op.kind = qsm::OpKind::Activation;
        op.function = qsm::ActivationFunction::ELU;
    } else if (kind == c10::aten::softplus) {
        if (NodeConstants::number(node->input(1)) != 1.0 ||
            NodeConstants::number(node->input(2)) != 20.0)
            NodeConstants::refuse(node, "a softplus with β ≠ 1 or a threshold ≠ 20");
        op.kind = qsm::OpKind::Activation;
        op.function = qsm::ActivationFunction::Softplus;
    } else if (kind == c10::aten::leaky_relu || kind == c10::aten::leaky_relu_) {
        op.kind = qsm::OpKind::PRelu;
        op.slopes = {float(NodeConstants::number(node->input(1)).value_or(0.01))};
    } else if (kind == c10::aten::prelu) { // one slope (a PReLU of one parameter) or per channel
        const auto weight = torch::jit::toIValue(node->input(1));
        if (!weight || !weight->isTensor())
            NodeConstants::refuse(node, "a prelu whose slopes are not the model's constants");
        op.kind = qsm::OpKind::PRelu;
        op.slopes = NodeConstants::floats(weight->toTensor());
        if (channelsLast && op.slopes.size() > 1) // PyTorch's slopes run along dimension 1
            NodeConstants::refuse(node, "a prelu per channel of a map permuted to channels last");
    } else {
        return std::nullopt;
    }
    return p;
}

} // namespace quantscope::deploy
