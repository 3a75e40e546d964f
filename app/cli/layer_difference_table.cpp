// SPDX-License-Identifier: MIT
#include "layer_difference_table.h"

#include <cstdio>

namespace quantscope::cli {

void printLayerDifferences(const std::vector<deploy::LayerDifference> &layers)
{
    std::printf("  %-32s %14s %12s\n", "layer input", "max |Δ|", "max |x|");
    for (const auto &l : layers)
        std::printf("  %-32s %14.3g %12.3g\n", l.name.c_str(), l.maxAbsDiff, l.maxAbs);
}

} // namespace quantscope::cli
