// SPDX-License-Identifier: MIT
// NormNode: a traced normalisation as the packed format can take it — a batch norm the import
// could not fold into a conv (its inference affine per channel), nn.GroupNorm (a group norm
// op), nn.InstanceNorm2d (one group per channel; with running statistics, their affine),
// nn.LayerNorm over each pixel's channels or a vector's features (a layer norm op).
#pragma once

#include "format/qsm_model.h"
#include "node_constants.h"

#include <optional>

namespace torch::jit {
struct Node;
struct Value;
} // namespace torch::jit

namespace quantscope::deploy {

struct NormNode
{
    // None for a node of another kind. channelsLast: the node reads a map the model permuted
    // to N×H×W×C, whose last axis (a layer norm's) is the channels. Throws quantscope::Error
    // naming the node where the norm is one the format cannot express (statistics or scales
    // the model computes, a batch norm in training mode, a group norm of a vector, a layer
    // norm over other than the channels).
    static std::optional<NormNode> of(torch::jit::Node *node,
                                      const NodeConstants::ShapeOf &shapeOf, bool channelsLast);
    // A layer norm over the channels that the model writes out, as the original ConvNeXt's
    // channels-first LayerNorm does: (x − u) / √(s + ε), or (x − u) · rsqrt(s + ε), with
    // u = x.mean(1, keepdim=True) and s = (x − u)².mean(1, keepdim=True) or
    // x.var(1, unbiased=False, keepdim=True); its γ and β, written after it, are a channel
    // affine of their own. node: its last op (the div or mul); none where it ends no such norm.
    static std::optional<NormNode> writtenOut(torch::jit::Node *node,
                                              const NodeConstants::ShapeOf &shapeOf);
    // The ops before that last one which the written-out norm is made of (none where node
    // ends no such norm): the exporter passes over them and emits the norm at its last op.
    static std::vector<const torch::jit::Node *> writtenOutParts(torch::jit::Node *node);

    qsm::Op op;
    torch::jit::Value *input = nullptr;
};

} // namespace quantscope::deploy
