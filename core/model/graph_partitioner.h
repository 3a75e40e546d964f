// SPDX-License-Identifier: MIT
// GraphPartitioner: cuts an instrumented, frozen graph into reconstruction units (residual blocks
// or single layers) that each take one tensor and give one tensor, so a unit can run on its own.
#pragma once

#include "unit_info.h"

#include <torch/script.h>

#include <memory>
#include <vector>

namespace quantscope::model {

struct GraphUnit
{
    UnitInfo info;
    std::shared_ptr<torch::jit::Graph> graph; // one tensor in, one value out
};

class GraphPartitioner
{
public:
    // layerOfNode maps each instrumented conv/linear node to its layer id.
    // Cut points are the places between two top-level nodes where exactly one non-constant value
    // is live; a region between adjacent cuts holding two or more layers is a block (a residual
    // merge is the only way two layers end up between the same cuts). Regions without layers
    // join the unit before them. Layers that follow each other in one module at the depth of the
    // model's residual blocks become one block too (layerNames give the modules): MobileNetV2's
    // inverted residuals without a shortcut.
    static std::vector<GraphUnit> partition(
        const std::shared_ptr<torch::jit::Graph> &graph,
        const std::unordered_map<const torch::jit::Node *, int> &layerOfNode,
        const std::vector<std::string> &layerNames);
};

} // namespace quantscope::model
