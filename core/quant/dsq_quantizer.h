// SPDX-License-Identifier: MIT
// DsqQuantizer: Differentiable Soft Quantization (Gong et al., ICCV 2019, eq. 2–5) of one
// tensor — a learnable clip range [l, u] (one per tensor, or one per output channel) and a
// characteristic variable α. Forward is exactly on the uniform grid l + iΔ; backward flows
// through the tanh soft staircase (ALGORITHMS-NOTES §1.2).
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
    // One range per output channel (dimension 0 of the tensors it quantizes): lower and upper
    // are 1-D of the channel count. α stays one per quantizer.
    DsqQuantizer(int bits, torch::Tensor lower, torch::Tensor upper, double alpha,
                 bool fixedLower = false);

    // Hard forward on the grid, DSQ gradient to x inside [l, u], to l/u for clipped values, and
    // to α through the soft function only.
    torch::Tensor forward(const torch::Tensor &x) const;
    // The soft staircase Q_S(x) itself (continuous, monotone), for tests and plots.
    torch::Tensor soft(const torch::Tensor &x) const;

    // Multiplies the gradients that reach l and u (not their values). Their gradients are sums
    // over every element the range clips or spans — for an activation, over the whole batch — so
    // without a scale they outgrow the weights' by orders of magnitude (LSQ's gradient scale).
    // α keeps its plain gradient: scaled alike it barely moved (0.200 → 0.206 in an epoch),
    // and α learning per layer is the method.
    void setGradientScale(double scale) { m_gradientScale = scale; }

    // Learnable tensors: {u, α} with a fixed lower bound, else {l, u, α}.
    std::vector<torch::Tensor> parameters() const;
    // Moves the range and α to a device (before an optimizer takes parameters()).
    void moveTo(c10::Device device);
    // Keeps α in [kAlphaMin, kAlphaMax] and u above l after an optimizer step.
    void constrain();

    int bits() const { return m_bits; }
    int64_t channels() const { return m_lower.numel(); }
    double lower(int64_t channel = 0) const { return m_lower[channel].item<double>(); }
    double upper(int64_t channel = 0) const { return m_upper[channel].item<double>(); }
    double alpha() const { return m_alpha.item<double>(); }
    std::vector<double> levels(int64_t channel = 0) const;
    // Share of x's elements that the range clips: more than half a step outside their channel's
    // [l, u], so their error exceeds any rounding error (closer ones round to the end level
    // anyway, and the range's own ends sit there up to float rounding).
    double clippedShare(const torch::Tensor &x) const;
    // The channel whose range is widest: the one a per-layer histogram shows the grid of.
    int64_t widestChannel() const;
    // Every channel's lowest level (l) and step ((u − l)/(2^bits − 1)).
    GridGeometry geometry() const;
    // The same grid as a QuantGrid (a fractional zero point when l is not a multiple of Δ).
    // Per-tensor quantizers only (the activation grids a quantized model keeps).
    QuantGrid toGrid() const;

private:
    // Soft value Q_S, hard value Q, both from the same interval index.
    std::pair<torch::Tensor, torch::Tensor> softAndHard(const torch::Tensor &x) const;

    int m_bits;
    bool m_fixedLower;
    double m_gradientScale = 1.0;
    torch::Tensor m_lower, m_upper; // 1-D: one entry, or one per channel
    torch::Tensor m_alpha;          // scalar
};

} // namespace quantscope::quant
