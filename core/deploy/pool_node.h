// SPDX-License-Identifier: MIT
// PoolNode: a traced pool or reduction over a map's rows and columns — max_pool2d, avg_pool2d,
// an adaptive pool whose bins the fixed input fixes, x.mean((2, 3)), x.amax((2, 3)),
// x.sum((2, 3)), and the same one axis at a time (x.mean(3).mean(2)) — as the chain of packed
// ops that computes it.
#pragma once

#include "format/qsm_model.h"
#include "node_constants.h"

#include <optional>
#include <vector>

namespace torch::jit {
struct Node;
struct Value;
} // namespace torch::jit

namespace quantscope::deploy {

struct PoolNode
{
    // None for a node of another kind. Throws quantscope::Error naming the node where the pool
    // is one the format has no op for (dilated, a divisor override, bins that do not divide the
    // map, a reduction over the channels or over one axis alone).
    static std::optional<PoolNode> of(torch::jit::Node *node, const NodeConstants::ShapeOf &shapeOf,
                                      const NodeConstants::IntsOf &intsOf);

    // Applied in order to `input`; empty where the pool is the identity (an adaptive pool to
    // the map's own size).
    std::vector<qsm::Op> chain;
    torch::jit::Value *input = nullptr;
    // The node's output, or, for a reduction one axis at a time, the second reduction's: the
    // exporter then meets that node with an input it never computed, and passes over it.
    torch::jit::Value *output = nullptr;
};

} // namespace quantscope::deploy
