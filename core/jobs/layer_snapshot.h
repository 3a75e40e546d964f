// SPDX-License-Identifier: MIT
// LayerSnapshot: one layer's weight histogram and quantization grid at one step of a method —
// what the GUI plays back to show weights gathering around the grid.
#pragma once

#include <string>
#include <vector>

namespace quantscope::jobs {

struct LayerSnapshot
{
    int layer = 0;
    std::string layerName;
    int step = 0;                   // method-defined: iteration, epoch or PTQ stage
    std::string stage;              // e.g. "float", "rtn", "after reconstruction"
    std::vector<double> binEdges;   // counts.size() + 1 edges, weight units
    std::vector<double> counts;     // weights per bin
    std::vector<double> gridLevels; // quantization levels (for per-channel grids: the widest channel's)
    double bits = 0;                // fractional for ALQ
    std::string note;               // what the method adds, e.g. BRECQ's share rounded up
};

} // namespace quantscope::jobs
