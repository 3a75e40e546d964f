// SPDX-License-Identifier: MIT
// BasisPruner: which binary bases ALQ removes (ALGORITHMS-NOTES §4.4) — ranked across all layers
// by the modelled loss increase ΔL of each (the paper's rule; the released code reads a pruned
// slot's score by mistake, see the README), the least important first, until the bits they hold
// reach a budget; and the budgets that take the average bit-width to its target.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace quantscope::quant {

class BasisPruner
{
public:
    // importance[l]: [G_l, I_l] ΔL per basis, +∞ where already pruned; bitsPerBasis[l]: what
    // one basis of layer l costs (its group size). Returns, per layer, the flat indices into
    // [G_l, I_l] to prune: the lowest ΔL first until their cost reaches `bits` (or nothing is
    // left).
    static std::vector<std::vector<int64_t>> select(const std::vector<torch::Tensor> &importance,
                                                    const std::vector<int64_t> &bitsPerBasis,
                                                    double bits);

    // The average bit-width after pruning round `round` of `rounds` (1-based): a geometric path
    // from `start` to `target`, so each round removes the same share of what is left — the
    // paper's smooth bit-width reduction — and the last round lands on the target.
    static double roundTarget(double start, double target, int round, int rounds);

    // Bits to remove in this mini-batch so that `batchesLeft` batches (this one included)
    // reach `goal` from `current` evenly; never a fraction that rounds to nothing.
    static double batchBudget(double currentBits, double goalBits, int64_t batchesLeft);
};

} // namespace quantscope::quant
