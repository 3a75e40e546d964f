// SPDX-License-Identifier: MIT
#include "depthwise_conv.h"

#include "cpu_features.h"
#include "depthwise_row.h"
#include "vector_clones.h"
#if defined(__x86_64__)
#include "x86/depthwise_x86.h" // their builds, declared but not instantiated here
#endif

#include <algorithm>
#include <cstring>

namespace quantscope::runtime {

namespace {

// One image row of the kernel's input, bordered: the codes u = q − qmin of `width` pixels (null:
// a padding row) between `pad` zero pixels on either side.
QS_VECTOR_CLONES void codeImageRow(const float *__restrict in, size_t width, size_t pad,
                                   size_t channels, const ActivationCoder coder,
                                   uint8_t *__restrict row)
{
    const size_t border = pad * channels, values = width * channels;
    if (!in) {
        std::fill(row, row + values + 2 * border, uint8_t(0));
        return;
    }
    std::fill(row, row + border, uint8_t(0));
    for (size_t i = 0; i < values; ++i)
        row[border + i] = coder.code(in[i]);
    std::fill(row + border + values, row + values + 2 * border, uint8_t(0));
}

// The baseline's build of the row loop: one SSE2 or NEON register.
typedef float Floats4 __attribute__((vector_size(16)));

} // namespace

std::vector<DepthwiseConv::RowKernelChoice> DepthwiseConv::rowKernels()
{
#if defined(__x86_64__)
    std::vector<RowKernelChoice> kernels{{"depthwise-sse2", &depthwiseRow<Floats4>}};
    const auto &cpu = CpuFeatures::detected();
    if (cpu.avx2 && cpu.fma)
        kernels.push_back({"depthwise-avx2", &depthwiseRow<Floats8>});
    if (cpu.avx512f)
        kernels.push_back({"depthwise-avx512", &depthwiseRow<Floats16>});
    return kernels;
#elif defined(__aarch64__)
    return {{"depthwise-neon", &depthwiseRow<Floats4>}};
#else
    return {{"depthwise", &depthwiseRow<Floats4>}};
#endif
}

DepthwiseConv::DepthwiseConv(const std::vector<float> &centredWeights, size_t channels,
                             const ConvWindow &window, const RowKernelChoice *row)
    : m_channels(channels), m_window(window), m_row(row ? *row : rowKernels().back())
{
    const size_t taps = size_t(window.kernelH * window.kernelW);
    m_weights.resize(taps * channels);
    for (size_t c = 0; c < channels; ++c)
        for (size_t t = 0; t < taps; ++t)
            m_weights[t * channels + c] = centredWeights[c * taps + t];
}

void DepthwiseConv::run(const float *in, const ActivationCoder &coder, size_t beginRow,
                        size_t endRow, const ChannelEpilogue &epilogue, float *out) const
{
    // The bordered image rows the kernel reads, coded, in a ring of as many rows as one output
    // row spans: consecutive output rows share kernel rows, so each is coded once per call.
    const ConvWindow &g = m_window;
    const size_t span = size_t((g.kernelH - 1) * g.dilationH + 1);
    const size_t rowValues = size_t(g.inW + 2 * g.padW) * m_channels;
    thread_local std::vector<uint8_t> ring;
    ring.resize(span * rowValues);
    std::vector<const uint8_t *> rows(size_t(g.kernelH));
    int64_t coded = -1; // the last bordered row in the ring
    ChannelEpilogue row = epilogue; // its position classes, a row's at a time
    for (size_t oy = beginRow; oy < endRow; ++oy) {
        const int64_t first = int64_t(oy) * g.strideH;
        for (int64_t r = std::max(first, coded + 1); r < first + int64_t(span); ++r) {
            const int64_t y = r - g.padH; // the input row, if inside the image
            codeImageRow(y >= 0 && y < g.inH ? in + size_t(y * g.inW) * m_channels : nullptr,
                         size_t(g.inW), size_t(g.padW), m_channels, coder,
                         ring.data() + size_t(r) % span * rowValues);
        }
        coded = first + int64_t(span) - 1;
        for (int64_t ky = 0; ky < g.kernelH; ++ky)
            rows[size_t(ky)] = ring.data() + size_t(first + ky * g.dilationH) % span * rowValues;
        row.positionClass = epilogue.positionClass + oy * size_t(g.outW);
        m_row.row(rows.data(), m_weights.data(), m_channels, g, row,
                  out + oy * size_t(g.outW) * m_channels);
    }
}

} // namespace quantscope::runtime
