// SPDX-License-Identifier: MIT
// DsqQuantizer: Differentiable Soft Quantization (Gong et al., ICCV 2019, eq. 2–5) of one
// tensor — a learnable clip range [l, u] and characteristic variable α. Forward is exactly on
// the uniform grid l + iΔ; backward flows through the tanh soft staircase (ALGORITHMS-NOTES §1.2).
#pragma once

#include "quant_grid.h"

#include <torch/torch.h>

namespace quantscope::quant {

class DsqQuantizer
{
public:
    static constexpr double kAlphaMin = 1e-3; // α → 0 is hard rounding; log(2/α − 1) must stay finite
    static constexpr double kAlphaMax = 0.5;

    // bits 1…8 (1 = binary: levels l and u). fixedLower keeps l where it is (0 for activations
    // after ReLU, so the grid never wastes a level on negative values).
    DsqQuantizer(int bits, double lower, double upper, double alpha, bool fixedLower = false);

    // Hard forward on the grid, DSQ gradient to x inside [l, u], to l/u for clipped values, and
    // to α through the soft function only.
    torch::Tensor forward(const torch::Tensor &x) const;
    // The soft staircase Q_S(x) itself (continuous, monotone), for tests and plots.
    torch::Tensor soft(const torch::Tensor &x) const;

    // Learnable tensors: {u, α} with a fixed lower bound, else {l, u, α}.
    std::vector<torch::Tensor> parameters() const;
    // Keeps α in [kAlphaMin, kAlphaMax] and u above l after an optimizer step.
    void constrain();

    int bits() const { return m_bits; }
    double lower() const { return m_lower.item<double>(); }
    double upper() const { return m_upper.item<double>(); }
    double alpha() const { return m_alpha.item<double>(); }
    std::vector<double> levels() const;
    // The same grid as a QuantGrid (a fractional zero point when l is not a multiple of Δ).
    QuantGrid toGrid() const;

private:
    // Soft value Q_S, hard value Q, both from the same interval index.
    std::pair<torch::Tensor, torch::Tensor> softAndHard(const torch::Tensor &x) const;

    int m_bits;
    bool m_fixedLower;
    torch::Tensor m_lower, m_upper, m_alpha; // scalars
};

} // namespace quantscope::quant
