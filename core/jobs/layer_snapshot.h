// SPDX-License-Identifier: MIT
// LayerSnapshot: one layer's weight histogram and quantization grid at one step of a method —
// what the GUI plays back to show weights gathering around the grid.
#pragma once

#include <algorithm>
#include <cstdint>
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

    // The same weights in grid units: each at (w − l_c)/Δ_c of its own channel c, so every
    // channel's level k falls on k and its clip edges on −½ and levelCount − ½ (GridUnits).
    // Empty when the snapshot has no grid, or was stored before grid units existed.
    int levelCount = 0;               // 2^bits
    std::vector<double> unitEdges;    // unitCounts.size() + 1 edges over [−1, levelCount]
    std::vector<double> unitCounts;   // weights per bin
    std::vector<double> levelCounts;  // weights whose code is k, k = 0 … levelCount − 1: exact
    double clusteredShare = -1;       // weights within a tenth of a step of their level; −1: none
    int64_t outsideCount = 0;         // weights beyond [−1, levelCount], not in unitCounts
    // Per output channel: its lowest level and step, and a coarse histogram over the same unit
    // range, so one channel can be drawn in weight units (w = low + u·step).
    std::vector<double> channelLow;
    std::vector<double> channelStep;
    int channelBins = 0;
    std::vector<double> channelCounts; // channels × channelBins, row by row

    // Multi-bit binary bases (ALQ): every group's scales α (groupMaxBases per group, 0 where a
    // basis is pruned), the groups laid out as rows (output channels) × columns (taps or
    // pieces) — where the method pruned, and any group's value set {Σ ±α_i}.
    int groupRows = 0;
    int groupColumns = 0;
    int groupMaxBases = 0;
    std::vector<double> groupScales; // rows × columns × groupMaxBases

    bool hasGroups() const { return groupRows > 0 && !groupScales.empty(); }
    int groupCount() const { return groupRows * groupColumns; }
    // The scales of the bases `group` kept, in basis order.
    std::vector<double> groupAlphas(int group) const
    {
        std::vector<double> alphas;
        for (int i = 0; i < groupMaxBases; ++i)
            if (const double a = groupScales[size_t(group * groupMaxBases + i)]; a > 0)
                alphas.push_back(a);
        return alphas;
    }
    int basesOf(int group) const { return int(groupAlphas(group).size()); }
    // The values a weight of `group` can take, {Σ_i ±α_i} over its bases, ascending ({0} for a
    // group pruned to nothing).
    std::vector<double> groupValueSet(int group) const
    {
        const auto alphas = groupAlphas(group);
        std::vector<double> values;
        for (uint32_t code = 0; code < (1u << alphas.size()); ++code) {
            double v = 0;
            for (size_t i = 0; i < alphas.size(); ++i)
                v += (code >> i & 1u) ? alphas[i] : -alphas[i];
            values.push_back(v);
        }
        std::sort(values.begin(), values.end());
        return values;
    }
    bool hasGridUnits() const { return levelCount > 0 && !unitCounts.empty(); }
    int64_t channelCount() const { return int64_t(channelLow.size()); }
};

} // namespace quantscope::jobs
