// SPDX-License-Identifier: MIT
// ChannelChunk: the fused quantizers' unit of parallel work over a tensor whose dimension 0
// holds the channels of a per-channel grid (one chunk list for a per-tensor grid): a range of
// one channel's contiguous elements, so a loop over it sees one grid, and the partial sums per
// chunk do not depend on the thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace quantscope::quant {

struct ChannelChunk
{
    int64_t channel, begin, end;

    // Chunks of at most `grain` elements, channel by channel.
    static std::vector<ChannelChunk> split(int64_t channels, int64_t perChannel, int64_t grain)
    {
        std::vector<ChannelChunk> chunks;
        for (int64_t c = 0; c < channels; ++c)
            for (int64_t b = 0; b < perChannel; b += grain)
                chunks.push_back(
                    {c, c * perChannel + b, c * perChannel + std::min(perChannel, b + grain)});
        return chunks;
    }
};

} // namespace quantscope::quant
