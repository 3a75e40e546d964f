// SPDX-License-Identifier: MIT
#include "depthwise_arm.h"

#include <arm_neon.h>

#include <cstring>

namespace quantscope::runtime {

namespace {

// Adjacent outputs summed at once: eight positions' independent sums cover smlal's latency.
// Seven where the codes are summed too: eight positions' 16 int32 sums, 8 code sums, their 8
// codes and the weights are 33 registers, and GCC kept one sum on the stack.
constexpr int kPositions = 8, kPositionsWithOffsets = 7;

// `Lanes` (8 or 4) codes from p, widened to 16 bits (the upper four lanes of a 4-lane load are
// zero and unused).
template <int Lanes>
inline uint16x8_t loadCodes(const uint8_t *p)
{
    if constexpr (Lanes == 8)
        return vmovl_u8(vld1_u8(p));
    uint32_t four;
    std::memcpy(&four, p, sizeof four);
    return vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(four)));
}

// Four channels' sums through the epilogue: clamp(scale · (Σ − padding) + bias), as the float
// build computes it.
inline void storeOutputs(float32x4_t sum, const float *scale, const float *bias,
                         const float *padding, float32x4_t lo, float32x4_t hi, float *y)
{
    const float32x4_t v =
        vfmaq_f32(vld1q_f32(bias), vld1q_f32(scale), vsubq_f32(sum, vld1q_f32(padding)));
    vst1q_f32(y, vminq_f32(vmaxq_f32(v, lo), hi));
}

// Channels [c, c + Lanes) of P adjacent outputs from ox on: each tap's weights loaded once for
// all P, each position's codes widened and multiplied into int32 sums (two registers of four
// at 8 lanes). With Offsets the codes are summed too, for the channels' offsets (a weight zero
// point's fraction): Σ u·(k + offset) = Σ u·k + offset · Σ u. Not inlined: a function of its
// own per P is what the latency model cuts its loop from (a call per P · Lanes · taps products).
template <int Lanes, int P, bool Offsets>
__attribute__((noinline)) void
depthwiseS16Vectors(const uint8_t *const *rows, const int16_t *weights, const float *offsets,
                    size_t channels, const ConvWindow &g, int64_t ox, size_t c,
                    const ChannelEpilogue &e, float *y)
{
    // Unrolled over P so that each sum is a register of its own (depthwise_row.h says why).
    int32x4_t low[P], high[P];
    uint16x8_t codeSums[P]; // at most 255 · 257 taps (DepthwiseConv::integerParts)
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i) {
        low[i] = high[i] = vdupq_n_s32(0);
        codeSums[i] = vdupq_n_u16(0);
    }
    const int16_t *w = weights + c;
    const size_t step = size_t(g.strideW) * channels;
    for (int64_t ky = 0; ky < g.kernelH; ++ky) {
        const uint8_t *u = rows[ky] + size_t(ox * g.strideW) * channels + c;
        for (int64_t kx = 0; kx < g.kernelW; ++kx, w += channels) {
            const int16x8_t wv =
                Lanes == 8 ? vld1q_s16(w) : vcombine_s16(vld1_s16(w), vdup_n_s16(0));
            const uint8_t *at = u + size_t(kx * g.dilationW) * channels;
#pragma GCC unroll 16
            for (int i = 0; i < P; ++i) {
                const uint16x8_t codes = loadCodes<Lanes>(at + size_t(i) * step);
                const int16x8_t x = vreinterpretq_s16_u16(codes);
                low[i] = vmlal_s16(low[i], vget_low_s16(x), vget_low_s16(wv));
                if constexpr (Lanes == 8)
                    high[i] = vmlal_high_s16(high[i], x, wv);
                if constexpr (Offsets)
                    codeSums[i] = vaddq_u16(codeSums[i], codes);
            }
        }
    }
    const float32x4_t lo = vdupq_n_f32(e.lo), hi = vdupq_n_f32(e.hi);
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i) {
        const float *padding = e.padding + e.positionClass[ox + i] * channels + c;
        float *out = y + size_t(ox + i) * channels + c;
        float32x4_t sum = vcvtq_f32_s32(low[i]);
        if constexpr (Offsets)
            sum = vfmaq_f32(sum, vld1q_f32(offsets + c),
                            vcvtq_f32_u32(vmovl_u16(vget_low_u16(codeSums[i]))));
        storeOutputs(sum, e.scale + c, e.bias + c, padding, lo, hi, out);
        if constexpr (Lanes == 8) {
            sum = vcvtq_f32_s32(high[i]);
            if constexpr (Offsets)
                sum = vfmaq_f32(sum, vld1q_f32(offsets + c + 4),
                                vcvtq_f32_u32(vmovl_high_u16(codeSums[i])));
            storeOutputs(sum, e.scale + c + 4, e.bias + c + 4, padding + 4, lo, hi, out + 4);
        }
    }
}

// The positions of a row from ox on, P at a time, the last fewer than P at once.
template <int Lanes, int P, bool Offsets>
inline void depthwiseS16Positions(const uint8_t *const *rows, const int16_t *weights,
                                  const float *offsets, size_t channels, const ConvWindow &g,
                                  int64_t ox, size_t c, const ChannelEpilogue &e, float *y)
{
    for (; ox + P <= g.outW; ox += P)
        depthwiseS16Vectors<Lanes, P, Offsets>(rows, weights, offsets, channels, g, ox, c, e, y);
    if constexpr (P > 1)
        if (ox < g.outW)
            depthwiseS16Positions<Lanes, P - 1, Offsets>(rows, weights, offsets, channels, g,
                                                         ox, c, e, y);
}

// The channels in whole vectors of 8, then of 4; returns the first channel left over.
template <bool Offsets>
size_t depthwiseS16Columns(const uint8_t *const *rows, const int16_t *weights,
                           const float *offsets, size_t channels, const ConvWindow &g,
                           const ChannelEpilogue &e, float *y)
{
    constexpr int P = Offsets ? kPositionsWithOffsets : kPositions;
    size_t c = 0;
    for (; c + 8 <= channels; c += 8)
        depthwiseS16Positions<8, P, Offsets>(rows, weights, offsets, channels, g, 0, c, e, y);
    for (; c + 4 <= channels; c += 4)
        depthwiseS16Positions<4, P, Offsets>(rows, weights, offsets, channels, g, 0, c, e, y);
    return c;
}

} // namespace

void depthwiseS16Row(const uint8_t *const *rows, const int16_t *weights, const float *offsets,
                     size_t channels, const ConvWindow &g, const ChannelEpilogue &e, float *y)
{
    const size_t whole =
        offsets ? depthwiseS16Columns<true>(rows, weights, offsets, channels, g, e, y)
                : depthwiseS16Columns<false>(rows, weights, offsets, channels, g, e, y);
    for (size_t c = whole; c < channels; ++c) // the channels past the last four
        for (int64_t ox = 0; ox < g.outW; ++ox) {
            int32_t sum = 0, codeSum = 0;
            const int16_t *w = weights + c;
            for (int64_t ky = 0; ky < g.kernelH; ++ky)
                for (int64_t kx = 0; kx < g.kernelW; ++kx, w += channels) {
                    const int32_t u =
                        rows[ky][size_t(ox * g.strideW + kx * g.dilationW) * channels + c];
                    sum += u * *w;
                    codeSum += u;
                }
            const float total = float(sum) + (offsets ? offsets[c] * float(codeSum) : 0.0f);
            const float v =
                e.scale[c] * (total - e.padding[e.positionClass[ox] * channels + c]) + e.bias[c];
            y[size_t(ox) * channels + c] = v < e.lo ? e.lo : v > e.hi ? e.hi : v;
        }
}

} // namespace quantscope::runtime
