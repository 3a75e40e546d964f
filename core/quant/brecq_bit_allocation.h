// SPDX-License-Identifier: MIT
// BrecqBitAllocation: BRECQ's mixed precision. Sensitivities per block at 2…8 bits (RTN weights,
// every joint assignment inside a block of up to 3 layers, layer by layer in larger ones; the
// block's output error relative to its output's energy, so blocks add up whatever their scale),
// then the genetic search (BitAllocationSearch). Layers the plan fixes (first/last at
// first_last_bits, per-layer overrides) keep their bits outside the budget, which is
// target_bits times the searched layers' weights, as --wbits counts them. Reports
// the sensitivity of uniform bits at the budget beside the search's best, so a run shows what
// the search predicts it gains.
#pragma once

#include "method.h"

#include <torch/torch.h>

#include <set>
#include <vector>

namespace quantscope::quant {

class BrecqBitAllocation
{
public:
    // Bits per layer: planned, with the layers outside fixed given the allocation the settings
    // ask for (target_bits, allocation, allocation_draw) on the calibration images.
    static std::vector<int> allocate(const MethodInput &input, const std::vector<int> &planned,
                                     const std::set<int> &fixed, const torch::Tensor &images,
                                     bool fisher, const jobs::JobContext &context);
};

} // namespace quantscope::quant
