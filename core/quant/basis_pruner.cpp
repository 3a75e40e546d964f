// SPDX-License-Identifier: MIT
#include "basis_pruner.h"

#include <algorithm>
#include <cmath>

namespace quantscope::quant {

std::vector<std::vector<int64_t>> BasisPruner::select(const std::vector<torch::Tensor> &importance,
                                                      const std::vector<int64_t> &bitsPerBasis,
                                                      double bits)
{
    std::vector<std::vector<int64_t>> chosen(importance.size());
    if (bits <= 0)
        return chosen;
    std::vector<torch::Tensor> scores, layerOf;
    // Ranked on the CPU: the walk below is sequential, and the scores are few.
    for (size_t l = 0; l < importance.size(); ++l) {
        const auto flat = importance[l].reshape(-1).to(torch::kFloat64).cpu();
        scores.push_back(flat);
        layerOf.push_back(torch::full({flat.numel()}, int64_t(l), torch::kInt64));
    }
    const auto all = torch::cat(scores);
    const auto layers = torch::cat(layerOf);
    const auto order = all.argsort();
    const auto sortedScores = all.index_select(0, order);
    const auto sortedLayers = layers.index_select(0, order);
    std::vector<int64_t> offsets{0};
    for (const auto &s : scores)
        offsets.push_back(offsets.back() + s.numel());

    const auto *score = sortedScores.data_ptr<double>();
    const auto *layer = sortedLayers.data_ptr<int64_t>();
    const auto *position = order.data_ptr<int64_t>();
    double removed = 0;
    for (int64_t k = 0; k < all.numel() && removed < bits && std::isfinite(score[k]); ++k) {
        const auto l = size_t(layer[k]);
        chosen[l].push_back(position[k] - offsets[l]);
        removed += double(bitsPerBasis[l]);
    }
    return chosen;
}

double BasisPruner::roundTarget(double start, double target, int round, int rounds)
{
    if (rounds <= 0 || round >= rounds || start <= target)
        return target;
    return start * std::pow(target / start, double(round) / double(rounds));
}

double BasisPruner::batchBudget(double currentBits, double goalBits, int64_t batchesLeft)
{
    if (currentBits <= goalBits)
        return 0;
    return (currentBits - goalBits) / double(std::max<int64_t>(batchesLeft, 1));
}

} // namespace quantscope::quant
