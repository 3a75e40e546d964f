// SPDX-License-Identifier: MIT
// BatchLoader: float batches over a Dataset — in order or shuffled by a seed, optionally limited
// to the first N (or a seeded random subset of N, for calibration).
#pragma once

#include "dataset.h"
#include "input_transform.h"

#include <torch/torch.h>

namespace quantscope::data {

struct Batch
{
    torch::Tensor inputs; // float [B, C, H, W], transformed
    torch::Tensor labels; // int64 [B]
};

class BatchLoader
{
public:
    // indices: which samples, in which order; see inOrder() and randomSubset().
    BatchLoader(const Dataset &data, InputTransform transform, torch::Tensor indices,
                int64_t batchSize);

    static torch::Tensor inOrder(const Dataset &data, int64_t limit = 0);
    // A deterministic random subset (the whole set, shuffled, when count is 0 or too big).
    static torch::Tensor randomSubset(const Dataset &data, int64_t count, uint64_t seed);

    int64_t batchCount() const;
    int64_t sampleCount() const { return m_indices.numel(); }
    Batch batch(int64_t index) const;

private:
    const Dataset &m_data;
    InputTransform m_transform;
    torch::Tensor m_indices;
    int64_t m_batchSize;
};

} // namespace quantscope::data
