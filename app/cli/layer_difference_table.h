// SPDX-License-Identifier: MIT
// The per-layer comparison of the runtime with the simulation (verify, deploy) as a text table.
#pragma once

#include "deploy/runtime_check.h"

#include <vector>

namespace quantscope::cli {

void printLayerDifferences(const std::vector<deploy::LayerDifference> &layers);

} // namespace quantscope::cli
