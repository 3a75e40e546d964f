// SPDX-License-Identifier: MIT
// FisherWeights: BRECQ's per-element weighting of a unit's output error (loss=fisher) and of
// the mixed-precision sensitivities: the diagonal Fisher information at the unit's output, i.e.
// squared gradients of the task loss w.r.t. that output, the rest of the network in float. No
// labels are used: the task loss is the cross-entropy against the float model's own prediction.
// Normalised to mean 1, so the weighted loss keeps MSE's scale and λ its meaning.
#pragma once

#include "jobs/job_context.h"
#include "model/quant_graph.h"

#include <torch/torch.h>

namespace quantscope::quant {

class FisherWeights
{
public:
    // Weights shaped like output (the unit's float outputs for every calibration image), stored
    // as ActivationCache stores them.
    static torch::Tensor compute(const model::QuantGraph &graph, size_t unit,
                                 const torch::Tensor &output, model::QuantSession &floatSession,
                                 const jobs::JobContext &context);
};

} // namespace quantscope::quant
