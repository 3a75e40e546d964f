// SPDX-License-Identifier: MIT
#include "depthwise_codes.h"

#include "vector_clones.h"

namespace quantscope::runtime {

namespace {

// All of run() in one function, so the one build per vector width covers the whole loop nest:
// a clone called per tap costs more than the tap's few vectors.
QS_VECTOR_CLONES void depthwiseRows(const uint8_t *__restrict codes,
                                    const int32_t *__restrict weights, size_t channels,
                                    const ConvWindow &g, size_t begin, size_t end,
                                    int32_t *__restrict acc, int32_t *__restrict sums)
{
    for (size_t i = 0; i < (end - begin) * channels; ++i)
        acc[i] = sums[i] = 0;
    for (size_t p = begin; p < end; ++p) {
        const int64_t oy = int64_t(p) / g.outW, ox = int64_t(p) % g.outW;
        int32_t *__restrict a = acc + (p - begin) * channels;
        int32_t *__restrict s = sums + (p - begin) * channels;
        for (int64_t ky = 0; ky < g.kernelH; ++ky) {
            const int64_t y = oy * g.strideH - g.padH + ky * g.dilationH;
            if (y < 0 || y >= g.inH)
                continue;
            for (int64_t kx = 0; kx < g.kernelW; ++kx) {
                const int64_t x = ox * g.strideW - g.padW + kx * g.dilationW;
                if (x < 0 || x >= g.inW)
                    continue;
                const uint8_t *__restrict u = codes + size_t(y * g.inW + x) * channels;
                const int32_t *__restrict w = weights + size_t(ky * g.kernelW + kx) * channels;
                for (size_t c = 0; c < channels; ++c) {
                    a[c] += int32_t(u[c]) * w[c];
                    s[c] += u[c];
                }
            }
        }
    }
}

} // namespace

DepthwiseCodes::DepthwiseCodes(const std::vector<int8_t> &signedCodes, size_t channels,
                               const ConvWindow &window)
    : m_channels(channels), m_window(window)
{
    const size_t taps = size_t(window.kernelH * window.kernelW);
    m_weights.resize(taps * channels);
    for (size_t c = 0; c < channels; ++c)
        for (size_t t = 0; t < taps; ++t)
            m_weights[t * channels + c] = signedCodes[c * taps + t];
}

void DepthwiseCodes::run(const uint8_t *codes, size_t begin, size_t end, int32_t *acc,
                         int32_t *sums) const
{
    depthwiseRows(codes, m_weights.data(), m_channels, m_window, begin, end, acc, sums);
}

} // namespace quantscope::runtime
