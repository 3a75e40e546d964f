// SPDX-License-Identifier: MIT
#include "depthwise_conv.h"

#include "vector_clones.h"

#include <algorithm>

namespace quantscope::runtime {

namespace {

// Channels [c0, c0 + N) of output position (oy, ox) into y: the sums stay in registers across
// the taps (N = 16 is one AVX-512 register, two AVX2 ones, four NEON ones); N = 0 takes the
// channels left over, `tail` of them.
template <size_t N>
inline void depthwiseChannels(const float *__restrict centred, const float *__restrict weights,
                              size_t channels, const ConvWindow &g, int64_t oy, int64_t ox,
                              size_t c0, size_t tail, const ChannelEpilogue &e,
                              float *__restrict y)
{
    constexpr size_t kMax = N ? N : 16;
    const size_t n = N ? N : tail;
    float acc[kMax] = {};
    for (int64_t ky = 0; ky < g.kernelH; ++ky) {
        const int64_t iy = oy * g.strideH - g.padH + ky * g.dilationH;
        if (iy < 0 || iy >= g.inH)
            continue;
        for (int64_t kx = 0; kx < g.kernelW; ++kx) {
            const int64_t ix = ox * g.strideW - g.padW + kx * g.dilationW;
            if (ix < 0 || ix >= g.inW)
                continue;
            const float *__restrict u = centred + size_t(iy * g.inW + ix) * channels + c0;
            const float *__restrict w = weights + size_t(ky * g.kernelW + kx) * channels + c0;
            for (size_t c = 0; c < n; ++c)
                acc[c] += u[c] * w[c];
        }
    }
    const float *__restrict scale = e.scale + c0, *__restrict bias = e.bias + c0;
    for (size_t c = 0; c < n; ++c)
        y[c0 + c] = std::min(std::max(scale[c] * acc[c] + bias[c], e.lo), e.hi);
}

// All of run() in one function, so the one build per vector width covers the whole loop nest.
QS_VECTOR_CLONES void depthwiseRows(const float *__restrict centred,
                                    const float *__restrict weights, size_t channels,
                                    const ConvWindow &g, size_t begin, size_t end,
                                    const ChannelEpilogue &e, float *__restrict out)
{
    constexpr size_t kChunk = 16;
    for (size_t p = begin; p < end; ++p) {
        const int64_t oy = int64_t(p) / g.outW, ox = int64_t(p) % g.outW;
        float *y = out + p * channels;
        size_t c0 = 0;
        for (; c0 + kChunk <= channels; c0 += kChunk)
            depthwiseChannels<kChunk>(centred, weights, channels, g, oy, ox, c0, 0, e, y);
        if (c0 < channels)
            depthwiseChannels<0>(centred, weights, channels, g, oy, ox, c0, channels - c0, e, y);
    }
}

} // namespace

DepthwiseConv::DepthwiseConv(const std::vector<float> &centredWeights, size_t channels,
                             const ConvWindow &window)
    : m_channels(channels), m_window(window)
{
    const size_t taps = size_t(window.kernelH * window.kernelW);
    m_weights.resize(taps * channels);
    for (size_t c = 0; c < channels; ++c)
        for (size_t t = 0; t < taps; ++t)
            m_weights[t * channels + c] = centredWeights[c * taps + t];
}

void DepthwiseConv::run(const float *centred, size_t begin, size_t end,
                        const ChannelEpilogue &epilogue, float *out) const
{
    depthwiseRows(centred, m_weights.data(), m_channels, m_window, begin, end, epilogue, out);
}

} // namespace quantscope::runtime
