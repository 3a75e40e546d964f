// SPDX-License-Identifier: MIT
// BinaryBasisLayer: one layer's weights as ALQ holds them (Qu et al., CVPR 2020; ALGORITHMS-NOTES
// §4.1–4.3) — split into groups, each group g approximated by up to I binary bases with scales,
// ŵ_g = Σ_i m_gi α_gi β_gi, β ∈ {−1, +1}^n, α ≥ 0, mask m ∈ {0, 1}. A group whose bases are all
// masked is exactly zero. The closed-form steps of the method live here: greedy residual
// initialisation, and the basis step that minimises a diagonally weighted distance to a target
// (nearest code per weight, then weighted least squares for α).
#pragma once

#include "jobs/layer_snapshot.h"

#include <torch/torch.h>

#include <vector>

namespace quantscope::quant {

// How a layer's weights are cut into groups (the official code's four structures).
enum class BasisGrouping {
    Channel,    // one whole output filter
    Pixel,      // a filter's input channels at one spatial tap (conv [O, C, kh, kw] → O·kh·kw)
    Kernel,     // one kh×kw kernel of one (output, input) channel pair
    SubChannel, // a linear layer's row cut into equal pieces
};

class BinaryBasisLayer
{
public:
    // Greedy residual binarisation of `weight` into at most `maxBases` bases per group (fewer
    // when a group's residual vanishes first, and never more than its size), refitting every α
    // by least squares after each new basis. `pieces` is the SubChannel count per row (it falls
    // back to 1 when it does not divide the row).
    BinaryBasisLayer(const torch::Tensor &weight, BasisGrouping grouping, int maxBases,
                     int pieces = 1);

    // ŵ in the layer's weight shape.
    torch::Tensor reconstruct() const;
    // [G, n] views of a weight-shaped tensor and back.
    torch::Tensor toGroups(const torch::Tensor &weightShaped) const;
    torch::Tensor fromGroups(const torch::Tensor &groups) const;

    // Basis step toward `target` (weight-shaped) under per-weight curvature `curvature`:
    // each weight takes the code whose value Σ_i α_i c_i is nearest its target, then α is refit
    // by weighted least squares; masks stay. Never raises Σ D (ŵ − target)².
    void basisStep(const torch::Tensor &target, const torch::Tensor &curvature);
    // Σ D (ŵ − target)², the quantity the basis step minimises.
    double weightedError(const torch::Tensor &target, const torch::Tensor &curvature) const;

    // ∂L/∂α from ∂L/∂ŵ (weight-shaped): [G, I], zero where masked.
    torch::Tensor scaleGradient(const torch::Tensor &weightGradient) const;
    // Σ_j of a weight-shaped tensor per group, broadcast to [G, I]: how α-domain second moments
    // are projected from the weight domain (β² = 1).
    torch::Tensor groupSum(const torch::Tensor &weightShaped) const;
    // α ← α − delta on the active bases; a scale that turns negative flips its basis.
    void shiftScales(const torch::Tensor &delta);
    // Removes basis `index` (flat into [G, I]) for good: its α becomes 0.
    void prune(const std::vector<int64_t> &flatIndices);

    const torch::Tensor &bases() const { return m_bases; }   // float [G, I, n], ±1
    const torch::Tensor &scales() const { return m_scales; } // float [G, I], 0 where masked
    const torch::Tensor &mask() const { return m_mask; }     // float [G, I]
    torch::Tensor basesPerGroup() const;                      // int64 [G]
    int64_t groupCount() const { return m_scales.size(0); }
    int64_t groupSize() const { return m_bases.size(2); }
    int maxBases() const { return int(m_scales.size(1)); }
    int64_t activeBases() const;
    // Bits per weight: one per active basis of a weight's group.
    double averageBits() const;
    // Groups laid out as the GUI's heat map draws them: rows = output channels.
    int64_t rows() const { return m_shape[0]; }
    int64_t columns() const { return groupCount() / rows(); }
    BasisGrouping grouping() const { return m_grouping; }

    // Fills what a snapshot shows of the groups: bits, every group's scales, the grid of a
    // fullest group's values and how many groups are zero.
    void describe(jobs::LayerSnapshot &snapshot) const;

    // Every state tensor by name, for storing a run: bases (int8), scales, mask, and grouping
    // (the BasisGrouping and the pieces per row).
    std::vector<std::pair<std::string, torch::Tensor>> state() const;

private:
    void flipNegativeScales();

    BasisGrouping m_grouping;
    std::vector<int64_t> m_shape; // the layer's weight shape
    int64_t m_pieces = 1;
    torch::Tensor m_bases;
    torch::Tensor m_scales;
    torch::Tensor m_mask;
};

} // namespace quantscope::quant
