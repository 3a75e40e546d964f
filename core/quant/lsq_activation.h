// SPDX-License-Identifier: MIT
// LsqActivation: a per-tensor activation grid whose step size is learned (LSQ, as BRECQ's
// activation phase uses it; ALGORITHMS-NOTES §3.7): the zero point stays fixed, rounding passes
// the gradient straight through, so ∂x̂/∂s = round(x/s) − x/s inside the range and the clipped
// level outside. No LSQ gradient scale: under Adam it only matters through ε.
#pragma once

#include "quant_grid.h"

#include <torch/torch.h>

namespace quantscope::quant {

class LsqActivation
{
public:
    explicit LsqActivation(const QuantGrid &initial); // per-tensor grid from calibration

    torch::Tensor &step() { return m_step; } // the leaf Adam optimises
    torch::Tensor operator()(const torch::Tensor &x) const;
    // The grid with the learned step, for QuantizedModel::activationGrids.
    QuantGrid grid() const;

private:
    QuantGrid m_grid;
    torch::Tensor m_step;
    double m_zero = 0;
};

} // namespace quantscope::quant
