// SPDX-License-Identifier: MIT
#include "pad_node.h"

#include "node_constants.h"

#include <torch/csrc/jit/ir/ir.h>

namespace quantscope::deploy {

std::optional<PadNode> PadNode::of(torch::jit::Node *node)
{
    // aten::pad(x, widths, mode, value) is what F.pad traces as from PyTorch 1.13 on; before,
    // each mode was its own op.
    const auto kind = node->kind();
    const bool pad = kind == c10::aten::pad, constant = kind == c10::aten::constant_pad_nd;
    const bool reflect = kind == c10::aten::reflection_pad2d;
    if (!pad && !constant && !reflect && kind != c10::aten::replication_pad2d)
        return std::nullopt;
    PadNode p;
    std::string mode = pad ? "" : constant ? "constant" : reflect ? "reflect" : "replicate";
    if (pad) {
        const auto given = torch::jit::toIValue(node->input(2));
        if (!given || !given->isString())
            NodeConstants::refuse(node, "a pad whose mode the model computes");
        mode = given->toStringRef();
    }
    if (mode == "constant") {
        if (NodeConstants::number(node->input(pad ? 3 : 2)).value_or(0.0) != 0.0)
            NodeConstants::refuse(node, "a pad with a value other than 0");
        p.mode = qsm::PadMode::Zeros;
    } else if (mode == "reflect") {
        p.mode = qsm::PadMode::Reflect;
    } else if (mode == "replicate") {
        p.mode = qsm::PadMode::Replicate;
    } else if (mode == "circular") {
        p.mode = qsm::PadMode::Circular;
    } else {
        NodeConstants::refuse(node, "a " + mode + " pad (zeros, reflect, replicate and circular "
                                                  "are the format's)");
    }
    const auto widths = NodeConstants::ints(node->input(1), "padding", node);
    if (widths.size() > p.widths.size() || widths.size() % 2)
        NodeConstants::refuse(node, "a pad of more than a map's three dimensions");
    for (size_t i = 0; i < widths.size(); ++i) {
        if (widths[i] < 0)
            NodeConstants::refuse(node, "a pad that crops (a negative width)");
        p.widths[i] = widths[i];
    }
    return p;
}

} // namespace quantscope::deploy
