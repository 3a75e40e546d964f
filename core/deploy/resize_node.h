// SPDX-License-Identifier: MIT
// ResizeNode: a traced upsampling — F.interpolate and nn.Upsample in the nearest, nearest-exact
// and bilinear modes, to a size (read off another map, as FPN's top-down path and U-Net's
// decoder do) or by scale factors — as the packed format's resize op.
#pragma once

#include "format/qsm_model.h"
#include "node_constants.h"

#include <optional>

namespace torch::jit {
struct Node;
} // namespace torch::jit

namespace quantscope::deploy {

struct ResizeNode
{
    // None for a node of another kind. Throws quantscope::Error naming the node where the
    // resize is one the format has no mode for (bicubic, antialiased), is not of a map's rows
    // and columns, or has a size or scale the model computes.
    static std::optional<ResizeNode> of(torch::jit::Node *node,
                                        const NodeConstants::ShapeOf &shapeOf,
                                        const NodeConstants::IntsOf &intsOf);

    qsm::Op op; // the resize, its input the node's first
};

} // namespace quantscope::deploy
