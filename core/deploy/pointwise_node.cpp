// SPDX-License-Identifier: MIT
#include "pointwise_node.h"

#include "error.h"
#include "node_constants.h"

#include <torch/csrc/jit/ir/ir.h>

#include <limits>

namespace quantscope::deploy {

namespace {

using torch::jit::Node;
using torch::jit::Value;

// The smooth activations of MobileNetV3 and EfficientNet, in place or not.
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
    return std::nullopt;
}

// add, sub, rsub, mul or div of a tensor and a constant number (either side where the op
// commutes) as x·scale + shift; none for two tensors or another op.
std::optional<PointwiseNode> scalarArithmetic(Node *node)
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
    const auto first = NodeConstants::number(node->input(0)),
               second = NodeConstants::number(node->input(1));
    if (first.has_value() == second.has_value() || (first && !(add || mul)))
        return std::nullopt;
    const double c = first ? *first : *second;
    const double alpha = add || sub || rsub ? NodeConstants::number(node->input(2)).value_or(1.0)
                                            : 1.0;
    double scale = 1.0, shift = 0.0;
    if (add && first) // c + alpha·x
        scale = alpha, shift = c;
    else if (add || sub)
        shift = add ? alpha * c : -alpha * c;
    else if (rsub) // c − alpha·x
        scale = -alpha, shift = c;
    else
        scale = mul ? c : 1.0 / c;
    PointwiseNode p;
    p.op.kind = qsm::OpKind::ChannelAffine;
    p.op.scale = {float(scale)};
    p.op.shift = {float(shift)};
    p.input = first ? node->input(1) : node->input(0);
    return p;
}

[[noreturn]] void refuse(const Node *node, const std::string &why)
{
    throw Error("the packed format cannot express " + NodeConstants::text(node) + ": " + why);
}

} // namespace

std::optional<PointwiseNode> PointwiseNode::of(Node *node)
{
    if (auto affine = scalarArithmetic(node))
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
                refuse(node, "an elu with α, scale or input scale ≠ 1");
        op.kind = qsm::OpKind::Activation;
        op.function = qsm::ActivationFunction::ELU;
    } else if (kind == c10::aten::leaky_relu || kind == c10::aten::leaky_relu_) {
        op.kind = qsm::OpKind::PRelu;
        op.slopes = {float(NodeConstants::number(node->input(1)).value_or(0.01))};
    } else if (kind == c10::aten::prelu) { // one slope (a PReLU of one parameter) or per channel
        const auto weight = torch::jit::toIValue(node->input(1));
        if (!weight || !weight->isTensor())
            refuse(node, "a prelu whose slopes are not the model's constants");
        const auto slopes = weight->toTensor().to(torch::kFloat32).contiguous();
        op.kind = qsm::OpKind::PRelu;
        op.slopes.assign(slopes.data_ptr<float>(), slopes.data_ptr<float>() + slopes.numel());
    } else {
        return std::nullopt;
    }
    return p;
}

} // namespace quantscope::deploy
