// SPDX-License-Identifier: MIT
// ActivationCalibrator: runs calibration images through the (weight-quantized) model and fits a
// per-tensor grid to every quantized layer's input.
#pragma once

#include "data/batch_loader.h"
#include "jobs/job_context.h"
#include "model/quant_graph.h"
#include "quant_grid.h"

#include <optional>
#include <vector>

namespace quantscope::quant {

class ActivationCalibrator
{
public:
    // abits per layer (>= 32: left in float). The session serves the weights to calibrate with.
    static std::vector<std::optional<QuantGrid>> calibrate(const model::QuantGraph &graph,
                                                           model::QuantSession &session,
                                                           const data::BatchLoader &loader,
                                                           const std::vector<int> &abits,
                                                           const jobs::JobContext &context);
};

} // namespace quantscope::quant
