// SPDX-License-Identifier: MIT
#include "activation_cache.h"

namespace quantscope::quant {

torch::Tensor ActivationCache::store(const torch::Tensor &values, int64_t totalRows)
{
    if (values.scalar_type() != torch::kFloat || values.dim() == 0 || values.size(0) == 0)
        return values;
    const int64_t rows = totalRows < 0 ? values.size(0) : totalRows;
    const int64_t bytesPerRow = int64_t(values.nbytes()) / values.size(0);
    if (bytesPerRow * rows <= kCompactBytes)
        return values;
    // Beyond half's range a value saturates instead of becoming infinite.
    constexpr double kHalfMax = 65504;
    return values.clamp(-kHalfMax, kHalfMax).to(torch::kHalf);
}

torch::Tensor ActivationCache::load(const torch::Tensor &cached)
{
    return cached.scalar_type() == torch::kHalf ? cached.to(torch::kFloat) : cached;
}

} // namespace quantscope::quant
