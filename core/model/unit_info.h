// SPDX-License-Identifier: MIT
// UnitInfo: one reconstruction unit of a model — a residual block or a single layer (with the
// pooling/activation ops that follow it). Units chain: the output of unit k is the input of k+1.
#pragma once

#include <string>
#include <vector>

namespace quantscope::model {

struct UnitInfo
{
    std::string name;
    bool isBlock = false;      // true when the unit holds a residual merge (or several layers)
    std::vector<int> layerIds; // LayerInfo::id of the layers inside, in graph order
};

} // namespace quantscope::model
