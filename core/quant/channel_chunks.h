// SPDX-License-Identifier: MIT
// ChannelChunk: the fused quantizers' unit of parallel work over a tensor whose dimension 0
// holds the channels of a per-channel grid (one chunk list for a per-tensor grid): a range of
// one channel's contiguous elements, so a loop over it sees one grid, and the partial sums per
// chunk do not depend on the thread count.
#pragma once

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace quantscope::quant {

struct ChannelChunk
{
    int64_t channel, begin, end;

    static constexpr int64_t kElements = 16384; // the most elements of a chunk

    // Chunks of at most `grain` elements, channel by channel.
    static std::vector<ChannelChunk> split(int64_t channels, int64_t perChannel,
                                           int64_t grain = kElements)
    {
        std::vector<ChannelChunk> chunks;
        for (int64_t c = 0; c < channels; ++c)
            for (int64_t b = 0; b < perChannel; b += grain)
                chunks.push_back(
                    {c, c * perChannel + b, c * perChannel + std::min(perChannel, b + grain)});
        return chunks;
    }

    // f(index, chunk) for every chunk, the chunks spread over the intra-op threads.
    template <typename F>
    static void forEach(const std::vector<ChannelChunk> &chunks, F f)
    {
        at::parallel_for(0, int64_t(chunks.size()), 1, [&](int64_t c0, int64_t c1) {
            for (int64_t c = c0; c < c1; ++c)
                f(size_t(c), chunks[size_t(c)]);
        });
    }
};

} // namespace quantscope::quant
