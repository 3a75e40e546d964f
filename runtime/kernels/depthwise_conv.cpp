// SPDX-License-Identifier: MIT
#include "depthwise_conv.h"

#include "cpu_features.h"
#include "depthwise_row.h"
#if defined(__x86_64__)
#include "x86/depthwise_x86.h" // their builds, declared but not instantiated here
#elif defined(__aarch64__)
#include "arm/depthwise_arm.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace quantscope::runtime {

namespace {

// One image row of the kernel's input, bordered: the codes u = q − qmin of `width` pixels, coded
// here from floats or copied as the layer before wrote them (neither: a padding row, all
// zeros), between `pad` zero pixels on either side.
void borderedRow(const LayerInput &in, size_t offset, size_t width, size_t pad, size_t channels,
                 const ActivationCoder &coder, uint8_t *row)
{
    const size_t border = pad * channels, values = width * channels;
    std::fill(row, row + border, uint8_t(0));
    if (in.values)
        codeValues(in.values + offset, row + border, values, coder);
    else if (in.codes)
        std::memcpy(row + border, in.codes + offset, values);
    else
        std::fill(row + border, row + border + values, uint8_t(0));
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
    return {{"depthwise-neon", &depthwiseRow<Floats4>},
            {"depthwise-neon-s16", nullptr, &depthwiseS16Row}};
#else
    return {{"depthwise", &depthwiseRow<Floats4>}};
#endif
}

std::optional<DepthwiseConv::IntegerParts>
DepthwiseConv::integerParts(const std::vector<float> &centredWeights, size_t channels,
                            size_t taps)
{
    // Codes below 2^8 times |k| over every tap stay below 2^31.
    const double limit = std::min(32767.0, 2147483647.0 / (255.0 * double(taps)));
    IntegerParts parts;
    parts.weights.resize(channels * taps);
    std::vector<float> offsets(channels, 0.0f);
    bool anyOffset = false;
    for (size_t c = 0; c < channels; ++c) {
        const float *row = centredWeights.data() + c * taps;
        const float offset = row[0] - std::nearbyint(row[0]); // exact: Sterbenz
        for (size_t t = 0; t < taps; ++t) {
            const double k = std::nearbyint(double(row[t]) - offset);
            // Each weight was rounded to float once, and the offset with the first: twice
            // their unit in the last place apart at most.
            const double ulp =
                double(std::numeric_limits<float>::epsilon()) *
                std::max({1.0, std::fabs(double(row[t])), std::fabs(double(row[0]))});
            if (std::fabs(double(row[t]) - offset - k) > 2 * ulp || std::fabs(k) > limit)
                return std::nullopt;
            parts.weights[t * channels + c] = int16_t(k);
        }
        offsets[c] = offset;
        anyOffset = anyOffset || offset != 0.0f;
    }
    if (anyOffset) {
        if (taps > 257) // 255 · taps codes summed in 16 bits
            return std::nullopt;
        parts.offsets = std::move(offsets);
    }
    return parts;
}

DepthwiseConv::DepthwiseConv(const std::vector<float> &centredWeights, size_t channels,
                             const ConvWindow &window, const RowKernelChoice *row)
    : m_channels(channels), m_window(window)
{
    const size_t taps = size_t(window.kernelH * window.kernelW);
    const auto kernels = rowKernels();
    // Split only where an integer build could take the parts (none on x86).
    const bool integerBuild =
        row ? row->integerRow != nullptr
            : std::any_of(kernels.begin(), kernels.end(),
                          [](const RowKernelChoice &k) { return k.integerRow != nullptr; });
    auto parts = integerBuild ? integerParts(centredWeights, channels, taps) : std::nullopt;
    const bool integers = parts.has_value();
    if (row) {
        if (row->integerRow && !integers)
            throw std::invalid_argument(row->name + " needs integer weights");
        m_row = *row;
    } else {
        // The fastest build the weights allow (the first, a float one, takes any).
        m_row = *std::find_if(kernels.rbegin(), kernels.rend(),
                              [&](const RowKernelChoice &k) { return integers || !k.integerRow; });
    }
    m_weights.resize(taps * channels);
    for (size_t c = 0; c < channels; ++c)
        for (size_t t = 0; t < taps; ++t)
            m_weights[t * channels + c] = centredWeights[c * taps + t];
    if (m_row.integerRow)
        m_integers = std::move(*parts);
}

void DepthwiseConv::run(const LayerInput &in, const ActivationCoder &coder, size_t beginRow,
                        size_t endRow, const ChannelEpilogue &epilogue,
                        const LayerOutput &out) const
{
    // The bordered image rows the kernel reads, coded, in a ring of as many rows as one output
    // row spans: consecutive output rows share kernel rows, so each is coded once per call.
    const ConvWindow &g = m_window;
    const size_t span = size_t((g.kernelH - 1) * g.dilationH + 1);
    const size_t rowValues = size_t(g.inW + 2 * g.padW) * m_channels;
    const size_t outRow = size_t(g.outW) * m_channels;
    thread_local std::vector<uint8_t> ring;
    thread_local std::vector<float> sums; // an output row before its coding
    ring.resize(span * rowValues);
    if (out.codes)
        sums.resize(outRow);
    std::vector<const uint8_t *> rows(size_t(g.kernelH));
    int64_t coded = -1; // the last bordered row in the ring
    ChannelEpilogue row = epilogue; // its position classes, a row's at a time
    const LayerInput padding;
    for (size_t oy = beginRow; oy < endRow; ++oy) {
        const int64_t first = int64_t(oy) * g.strideH;
        for (int64_t r = std::max(first, coded + 1); r < first + int64_t(span); ++r) {
            const int64_t y = r - g.padH; // the input row, if inside the image
            const bool inside = y >= 0 && y < g.inH;
            borderedRow(inside ? in : padding, inside ? size_t(y * g.inW) * m_channels : 0,
                        size_t(g.inW), size_t(g.padW), m_channels, coder,
                        ring.data() + size_t(r) % span * rowValues);
        }
        coded = first + int64_t(span) - 1;
        for (int64_t ky = 0; ky < g.kernelH; ++ky)
            rows[size_t(ky)] = ring.data() + size_t(first + ky * g.dilationH) % span * rowValues;
        row.positionClass = epilogue.positionClass + oy * size_t(g.outW);
        float *y = out.codes ? sums.data() : out.values + oy * outRow;
        if (m_row.integerRow)
            m_row.integerRow(rows.data(), m_integers.weights.data(),
                             m_integers.offsets.empty() ? nullptr : m_integers.offsets.data(),
                             m_channels, g, row, y);
        else
            m_row.row(rows.data(), m_weights.data(), m_channels, g, row, y);
        if (out.codes)
            codeValues(y, out.codes + oy * outRow, outRow, out.coder);
    }
}

} // namespace quantscope::runtime
