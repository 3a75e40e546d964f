// SPDX-License-Identifier: MIT
#include "bit_gates.h"

#include "error.h"

#include <cmath>

namespace quantscope::quant {

BitGates::BitGates(int maxBits, int minBits, double initialLogit)
    : m_maxBits(maxBits), m_minBits(minBits)
{
    if (minBits < 1 || maxBits <= minBits || maxBits > 8)
        throw Error("CPQ: learned bits need 1 ≤ minimum < initial ≤ 8 (got " +
                    std::to_string(minBits) + " and " + std::to_string(maxBits) + ")");
    m_logits = torch::full({maxBits - minBits}, float(initialLogit)).requires_grad_(true);
}

torch::Tensor BitGates::nested(const torch::Tensor &gates) const
{
    return torch::cumprod(gates, 0);
}

torch::Tensor BitGates::sampleNested() const
{
    if (m_frozen)
        return deterministicNested();
    const auto u = torch::rand_like(m_logits).clamp(1e-6, 1 - 1e-6);
    const auto s = torch::sigmoid((torch::log(u) - torch::log(1 - u) + m_logits) / kBeta);
    return nested(torch::clamp(s * (kZeta - kGamma) + kGamma, 0.0, 1.0));
}

torch::Tensor BitGates::deterministicNested() const
{
    // Rounded: a kept level counts whole, a dropped one not at all, as in the final model.
    torch::NoGradGuard noGrad;
    const auto z = torch::clamp(torch::sigmoid(m_logits) * (kZeta - kGamma) + kGamma, 0.0, 1.0);
    return nested((z > 0.5).to(torch::kFloat32));
}

torch::Tensor BitGates::expectedBits() const
{
    const auto keep = torch::sigmoid(m_logits - kBeta * std::log(-kGamma / kZeta));
    return double(m_minBits) + nested(keep).sum();
}

int BitGates::bits() const
{
    return m_minBits + int(deterministicNested().sum().item<double>());
}

void BitGates::freeze()
{
    m_frozen = true;
    m_logits.requires_grad_(false);
    m_logits.mutable_grad() = torch::Tensor(); // undefined: optimizers skip the tensor
}

double BitGates::topKeptLogit() const
{
    const int kept = bits() - m_minBits;
    return kept == 0 ? INFINITY : m_logits[kept - 1].item<double>();
}

void BitGates::dropTopLevel()
{
    const int kept = bits() - m_minBits;
    if (kept == 0)
        return;
    torch::NoGradGuard noGrad;
    m_logits[kept - 1].fill_(-10.0); // deterministic gate 0, sampled gate almost always 0
}

double BitGates::nextLevelLogit() const
{
    const int kept = bits() - m_minBits;
    return kept == m_maxBits - m_minBits ? -INFINITY : m_logits[kept].item<double>();
}

void BitGates::keepNextLevel()
{
    const int kept = bits() - m_minBits;
    if (kept == m_maxBits - m_minBits)
        return;
    torch::NoGradGuard noGrad;
    m_logits[kept].fill_(3.0); // deterministic gate 1
    // The levels above were hidden by the closed one; opened ones would come back with it.
    m_logits.slice(0, kept + 1).fill_(-10.0);
}

std::vector<double> BitGates::keepProbabilities() const
{
    torch::NoGradGuard noGrad;
    const auto keep = torch::sigmoid(m_logits - kBeta * std::log(-kGamma / kZeta)).contiguous();
    return {keep.data_ptr<float>(), keep.data_ptr<float>() + keep.numel()};
}

std::vector<int> BitGates::fullestAllocation(const std::vector<Choice> &layers, double budget)
{
    double combinations = 1;
    for (const auto &l : layers)
        combinations *= double(l.maxBits - l.minBits + 1);
    if (combinations > 2e5)
        return {};
    std::vector<int> bits(layers.size()), best;
    double bestCost = -1, bestScore = 0;
    const auto visit = [&](const auto &self, size_t i, double cost, double score) -> void {
        if (cost > budget + 1e-6)
            return;
        if (i == layers.size()) {
            if (cost > bestCost + 1e-6 || (cost > bestCost - 1e-6 && score > bestScore)) {
                bestCost = cost;
                bestScore = score;
                best = bits;
            }
            return;
        }
        const auto &l = layers[i];
        double kept = 0;
        for (int b = l.minBits; b <= l.maxBits; ++b) {
            if (b > l.minBits)
                kept += l.logits[size_t(b - l.minBits - 1)];
            bits[i] = b;
            self(self, i + 1, cost + l.params * b, score + kept);
        }
    };
    visit(visit, 0, 0.0, 0.0);
    return best;
}

} // namespace quantscope::quant
