// SPDX-License-Identifier: MIT
// CpqQuantizer: one tensor on a uniform grid with a learnable step α — signed levels
// α·{−2^(b−1) … 2^(b−1) − 1} (weights, α one per output channel) or α·{0 … 2^b − 1} (a layer's
// input after ReLU) — the way CPQ (Lee et al., ICCV 2021) trains it: each value has a
// categorical distribution over the levels (logistic noise of scale σ = ρ·α around it, Relaxed
// Quantization's parametrisation), the forward takes its most likely level (exactly
// round-to-nearest), and the backward is the multi-class straight-through estimator — the
// gradient of the expected level Σ αg·π_g(x), a staircase smoothed by the logistic: large
// between levels, small on them, so trained weights gather on the grid (ALGORITHMS-NOTES §2.2).
//
// DropBits drops bit levels by their least significant bit: dropping d levels doubles the step
// d times and keeps the range (the levels that exist only at bit k are the odd multiples of the
// bit-k step). ρ = σ/α is learned per quantizer, so σ follows each channel's step.
#pragma once

#include "grid_geometry.h"
#include "quant_grid.h"

#include <torch/torch.h>

#include <cmath>

namespace quantscope::quant {

class CpqQuantizer
{
public:
    static constexpr double kRatioMin = 0.05; // σ → 0: the backward becomes a comb of spikes
    static constexpr double kRatioMax = 1.0;  // σ ≫ α: it flattens into a plain STE
    // Boundaries further than this many steps from a value leave its expected level's
    // derivatives unchanged: Sig's density falls below 1e-3 of its peak beyond 8ρ.
    static int window(double ratio) { return int(std::ceil(8 * ratio)) + 1; }

    // step: 1-D, one per output channel (dimension 0 of the tensors quantized) or one.
    CpqQuantizer(int bits, torch::Tensor step, bool nonNegative, double noiseRatio = 1.0 / 3);

    // The quantized tensor: round-to-nearest on the grid of bits − drop levels (step × 2^drop)
    // in the forward, the multi-class STE in the backward (to x, the step and ρ).
    torch::Tensor forward(const torch::Tensor &x, int drop = 0) const;
    // As forward, with each element's own number of dropped levels (an int8 tensor like x):
    // DropBits, dropout-style.
    torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &drops) const;
    // Σ_g αg·π_g(x): the expected level whose gradient the backward passes (for tests).
    torch::Tensor expected(const torch::Tensor &x, int drop = 0) const;

    std::vector<torch::Tensor> parameters() const { return {m_step, m_ratio}; }
    // Multiplies the gradients that reach the step and ρ (not their values): each is a sum
    // over every element it serves — for an input, over the whole batch — so unscaled they
    // outgrow the weights' by orders of magnitude (LSQ's 1/sqrt(elements × levels)).
    void setGradientScale(double scale) { m_gradientScale = scale; }
    // Computes with tensor ops, as on a GPU (where it always does), instead of the CPU's fused
    // loops: the tests check the one against the other on the CPU.
    void setTensorOps(bool on) { m_tensorOps = on; }
    // Keeps the step positive and ρ in [kRatioMin, kRatioMax] after an optimizer step.
    void constrain();

    int bits() const { return m_bits; }
    bool nonNegative() const { return m_nonNegative; }
    int64_t channels() const { return m_step.numel(); }
    double ratio() const { return m_ratio.item<double>(); }
    torch::Tensor step() const { return m_step.detach(); }
    // The largest level index (Q_P of LSQ's gradient scale): 2^b − 1 unsigned, 2^(b−1) − 1
    // signed.
    int64_t largestLevel() const;
    // Channel `channel`'s levels in x's units, and the channel whose step is widest: the one a
    // per-layer histogram shows the grid of.
    std::vector<double> levels(int64_t channel = 0) const;
    int64_t widestChannel() const;
    // The grid with `drop` levels dropped: lowest level and step per channel.
    GridGeometry geometry(int drop = 0) const;
    // A per-tensor quantizer's grid as a QuantGrid (the activation grids a model keeps).
    QuantGrid toGrid() const;

    // The initial step of a b-bit signed grid covering [−max|w|, max|w|] per channel, refined
    // by a squared-error search of the clip (as RTN fits its grids).
    static torch::Tensor fitWeightStep(const torch::Tensor &w, int bits);

private:
    int m_bits;
    bool m_nonNegative;
    double m_gradientScale = 1.0;
    bool m_tensorOps = false;
    torch::Tensor m_step;  // [C] (or [1])
    torch::Tensor m_ratio; // scalar ρ = σ / α
};

} // namespace quantscope::quant
