// SPDX-License-Identifier: MIT
// LossAwareOptimizer: ALQ's optimiser over a model's BinaryBasisLayers (ALGORITHMS-NOTES §4.3–4.4).
// It keeps AMSGrad moments of the loss gradient in the weight domain and in the α domain; from
// them a second-order model of the loss, ℓ(ŵ) ≈ ½ Σ D (ŵ − w*)² with D = √v̄/√(1 − β₂ᵗ) and
// w* one AMSGrad step away, which the three step types minimise in the quantized domain:
// - basis step: every code and α refit toward w* = ŵ − lr·m̂/D (the ALQ phase);
// - coordinate step: α alone, AMSGrad in α space (bases fixed);
// - shadow step: w* taken from float shadow weights that follow AMSGrad (the post-training
//   phase's straight-through variant).
// And the importance of every basis: the modelled loss increase if its α went to 0.
#pragma once

#include "binary_basis_layer.h"

#include <torch/torch.h>

#include <vector>

namespace quantscope::quant {

class LossAwareOptimizer
{
public:
    explicit LossAwareOptimizer(std::vector<BinaryBasisLayer> &layers);

    // Folds one mini-batch's gradients (∂L/∂ŵ per layer) into both domains' moments.
    void accumulate(const std::vector<torch::Tensor> &weightGradients);

    void basisStep(double lr);
    void coordinateStep(double lr);
    // Starts the shadow weights at today's ŵ (the post-training phase begins).
    void startShadow();
    void shadowStep(double lr);

    // ΔL_gi = −m̂_α·α + ½ (D_α / lr)·α² per basis ([G, I], +∞ where already pruned), in
    // gradient units so that it does not depend on the learning rate.
    torch::Tensor importance(int layer, double lr) const;

    int64_t steps() const { return m_step; }
    // The moments of layer `layer` by name, for storing a run.
    std::vector<std::pair<std::string, torch::Tensor>> state(int layer) const;

private:
    struct Moments
    {
        torch::Tensor m, v, vmax; // weight domain, weight-shaped
        torch::Tensor ma, va, vmaxa; // α domain, [G, I]
        torch::Tensor shadow;        // post-training's float weights; undefined before
    };
    // AMSGrad's curvature estimate D = (√v̄ + ε)/√(1 − β₂ᵗ), and the bias-corrected mean.
    torch::Tensor curvature(const torch::Tensor &vmax) const;
    torch::Tensor mean(const torch::Tensor &m) const;
    // After the bases changed: the α-domain moments re-projected from the weight domain's.
    void reproject(size_t layer);

    std::vector<BinaryBasisLayer> &m_layers;
    std::vector<Moments> m_moments;
    int64_t m_step = 0;
};

} // namespace quantscope::quant
