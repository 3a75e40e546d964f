// SPDX-License-Identifier: MIT
// QuantizedModel: what a method produces — per-layer fake-quantized weights, bit-widths and
// activation grids — enough to run, evaluate, store and export the quantized model.
#pragma once

#include "model/quant_session.h"
#include "quant_grid.h"

#include <optional>
#include <vector>

namespace quantscope::quant {

struct QuantizedModel
{
    std::vector<torch::Tensor> weights;                    // per layer, values on the grid
    std::vector<GridGeometry> weightGrids;                 // per layer: where those values lie
    std::vector<double> wbits;                             // per layer; fractional for ALQ
    std::vector<double> abits;                             // per layer input; 32 = float
    std::vector<std::optional<QuantGrid>> activationGrids; // per layer input; empty = float
    std::string note; // what cut the method short, when it kept an earlier state (stored)
    // Per layer, what the method needs beyond the weights to show, continue or export the run
    // after the process ends (ALQ: bases, scales, masks, optimiser moments), by name; empty for
    // the other methods. Stored beside the run's model (store::MethodState).
    std::vector<std::vector<std::pair<std::string, torch::Tensor>>> layerState;

    // Serves these weights and activation quantizers through the session.
    void applyTo(model::QuantSession &session) const;
};

} // namespace quantscope::quant
