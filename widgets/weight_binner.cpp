// SPDX-License-Identifier: MIT
#include "weight_binner.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace quantscope::widgets {

std::pair<double, double> WeightBinner::range(const std::vector<float> &weights,
                                              const std::vector<double> &gridLevels)
{
    if (weights.empty())
        return {0.0, 0.0};
    // Four running minima/maxima: independent chains the compiler can keep in registers.
    std::array<float, 4> lo, hi;
    lo.fill(weights[0]);
    hi.fill(weights[0]);
    const size_t n = weights.size();
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t k = 0; k < 4; ++k) {
            lo[k] = std::min(lo[k], weights[i + k]);
            hi[k] = std::max(hi[k], weights[i + k]);
        }
    for (; i < n; ++i) {
        lo[0] = std::min(lo[0], weights[i]);
        hi[0] = std::max(hi[0], weights[i]);
    }
    double low = *std::min_element(lo.begin(), lo.end());
    double high = *std::max_element(hi.begin(), hi.end());
    for (double g : gridLevels) {
        low = std::min(low, g);
        high = std::max(high, g);
    }
    if (high <= low)
        return {low - 1e-6, low + 1e-6};
    return {low, high};
}

BinnedWeights WeightBinner::bin(const std::vector<float> &weights, int bins, double lo, double hi)
{
    BinnedWeights out;
    if (weights.empty() || bins < 1 || !(hi > lo))
        return out;
    out.edges.resize(size_t(bins) + 1);
    for (int i = 0; i <= bins; ++i)
        out.edges[size_t(i)] = lo + (hi - lo) * i / bins;

    // Four count tables: neighbouring weights often share a bin, and one table would make each
    // increment wait for the previous one to land.
    const size_t stride = size_t(bins);
    std::vector<uint32_t> counts(4 * stride, 0);
    const float low = float(lo);
    const float scale = float(bins / (hi - lo));
    const int last = bins - 1;
    auto index = [&](float w) {
        const int b = int((w - low) * scale);
        return size_t(b < 0 ? 0 : (b > last ? last : b));
    };
    const size_t n = weights.size();
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t k = 0; k < 4; ++k)
            ++counts[k * stride + index(weights[i + k])];
    for (; i < n; ++i)
        ++counts[index(weights[i])];
    out.counts.resize(stride);
    for (size_t b = 0; b < stride; ++b)
        out.counts[b] = double(counts[b]) + counts[stride + b] + counts[2 * stride + b] +
                        counts[3 * stride + b];
    return out;
}

BinnedWeights WeightBinner::bin(const std::vector<float> &weights, int bins,
                                const std::vector<double> &gridLevels)
{
    const auto [lo, hi] = range(weights, gridLevels);
    return bin(weights, bins, lo, hi);
}

} // namespace quantscope::widgets
