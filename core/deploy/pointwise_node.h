// SPDX-License-Identifier: MIT
// PointwiseNode: a traced node that maps each value on its own — a clamp (relu, relu6, hardtanh,
// clamp), a smooth activation (sigmoid, hardswish, SiLU, GELU, ELU, tanh, softplus, mish), a
// prelu (LeakyReLU, PReLU), arithmetic with a constant — as the packed model's op and the one
// tensor it reads.
#pragma once

#include "format/qsm_model.h"
#include "node_constants.h"

#include <optional>

namespace torch::jit {
struct Node;
struct Value;
} // namespace torch::jit

namespace quantscope::deploy {

struct PointwiseNode
{
    // None for a node of another kind (add or mul of two tensors among them). Arithmetic with a
    // constant is a channel affine of one scale and one shift per channel of its tensor.
    // channelsLast: the node reads a map the model permuted to N×H×W×C, whose channels are its
    // last axis. Throws quantscope::Error naming the node where its form is one the format
    // cannot express (an ELU with α ≠ 1, a PReLU whose slopes the model computes, a constant
    // that varies along the rows).
    static std::optional<PointwiseNode> of(torch::jit::Node *node,
                                            const NodeConstants::ShapeOf &shapeOf,
                                            bool channelsLast = false);
    // A channel affine that multiplies each of `channels` by one number: what the exporter
    // makes of a sum as a mean, an add's scaled term or a pad's channels of zeros.
    static qsm::Op scaling(uint32_t channels, float factor);

    qsm::Op op;
    torch::jit::Value *input = nullptr;
};

} // namespace quantscope::deploy
