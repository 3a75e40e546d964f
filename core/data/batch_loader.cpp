// SPDX-License-Identifier: MIT
#include "batch_loader.h"

namespace quantscope::data {

BatchLoader::BatchLoader(const Dataset &data, InputTransform transform, torch::Tensor indices,
                         int64_t batchSize)
    : m_data(data), m_transform(std::move(transform)), m_indices(std::move(indices)),
      m_batchSize(std::max<int64_t>(1, batchSize))
{
}

torch::Tensor BatchLoader::inOrder(const Dataset &data, int64_t limit)
{
    const int64_t n = limit > 0 ? std::min(limit, data.size()) : data.size();
    return torch::arange(n, torch::kInt64);
}

torch::Tensor BatchLoader::randomSubset(const Dataset &data, int64_t count, uint64_t seed)
{
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    auto perm = torch::randperm(data.size(), generator, torch::kInt64);
    return count > 0 && count < data.size() ? perm.slice(0, 0, count) : perm;
}

int64_t BatchLoader::batchCount() const
{
    return (sampleCount() + m_batchSize - 1) / m_batchSize;
}

Batch BatchLoader::batch(int64_t index) const
{
    const auto idx = m_indices.slice(0, index * m_batchSize, (index + 1) * m_batchSize);
    return {m_transform.apply(m_data.images.index_select(0, idx)),
            m_data.labels.index_select(0, idx)};
}

} // namespace quantscope::data
