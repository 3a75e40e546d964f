// SPDX-License-Identifier: MIT
// BitGates: CPQ's learned bit-width of one layer — a keep-gate per bit level above a floor
// (levels minBits+1 … maxBits), each a hard-concrete variable (Louizos et al., 2018: exactly 0
// or 1 with positive probability, differentiable in between) with a learnable logit. The gates
// nest: a level is used only while every level below it is kept, so a layer's weights are
// ŵ = Q_min(w) + Σ_k Z_k·(Q_k(w) − Q_{k−1}(w)), Z_k = Π_{j≤k} z_j. The regulariser is the
// expected bit-width; a level whose deterministic gate falls under ½ is dropped (ALGORITHMS-NOTES
// §2.4).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace quantscope::quant {

class BitGates
{
public:
    // Hard-concrete's stretch and temperature (the values of Louizos et al.).
    static constexpr double kBeta = 2.0 / 3, kGamma = -0.1, kZeta = 1.1;

    // initialLogit 3: every level kept with probability ≈ 0.99 at the start.
    BitGates(int maxBits, int minBits, double initialLogit = 3.0);

    // Z_k for k = minBits+1 … maxBits: a sample (training) or the deterministic gates
    // (evaluation, and the final allocation), nested products of the per-level gates.
    torch::Tensor sampleNested() const;
    torch::Tensor deterministicNested() const;
    // minBits + Σ_k Π_{j≤k} P(z_j ≠ 0): differentiable in the logits.
    torch::Tensor expectedBits() const;
    // The bit-width the deterministic gates give: minBits + the nested levels kept (gate > ½).
    int bits() const;
    // P(z_k ≠ 0) per level, for display.
    std::vector<double> keepProbabilities() const;

    int maxBits() const { return m_maxBits; }
    int minBits() const { return m_minBits; }
    torch::Tensor logits() const { return m_logits; }
    // Fixes the gates at their deterministic values from now on (the rest of training trains
    // the weights on the allocation they found). The logits stop taking gradients and lose the
    // one they had: the optimizer still holds them, and Adam's momentum, or the bits
    // regulariser, would otherwise go on moving them — and the allocation with them.
    void freeze();
    bool frozen() const { return m_frozen; }
    // The logit of the highest level kept now (+∞ when only the floor is left), and closing it:
    // how an allocation above its target is brought down, least confident level first.
    double topKeptLogit() const;
    void dropTopLevel();
    // The logit of the first level above those kept (−∞ when all are), and keeping it: how an
    // allocation left under its target spends what remains, most confident level first.
    double nextLevelLogit() const;
    void keepNextLevel();

    // One gated layer of a model: its parameter count, its fewest and most bits, and its
    // levels' keep-logits (level minBits + 1 + j at j).
    struct Choice
    {
        double params;
        int minBits, maxBits;
        std::vector<double> logits;
    };
    // The bits per layer that spend the most of the budget (Σ params·bits ≤ budget) and, among
    // allocations that spend as much, keep the most confident levels (the largest sum of the
    // kept levels' logits); empty where there are too many allocations to try them all (over
    // 200 000). Whole layers are coarse steps — one level of a 3×3×64×64 conv is half a bit of
    // ResNet-8's average — so dropping the least confident levels one at a time can stop well
    // under a target (2.79 bits for a target of 3 on the demo model).
    static std::vector<int> fullestAllocation(const std::vector<Choice> &layers, double budget);

private:
    torch::Tensor nested(const torch::Tensor &gates) const;

    int m_maxBits, m_minBits;
    bool m_frozen = false;
    torch::Tensor m_logits; // [maxBits − minBits], log α of each level's gate
};

} // namespace quantscope::quant
