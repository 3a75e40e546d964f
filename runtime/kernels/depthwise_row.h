// SPDX-License-Identifier: MIT
// DepthwiseConv's inner loop, written once over V, a GCC/clang vector of floats as wide as one
// register of the instruction set it is built for: each ISA's file instantiates it with its own
// width (x86/depthwise_avx2.cpp, x86/depthwise_avx512.cpp; depthwise_conv.cpp the baseline's 4
// lanes, which are NEON's register too, and declares the others' builds extern). A vector wider
// than the registers, or plain loops over 16 lanes, went through the stack in some builds.
// Everything here is a template of V, so no function compiled for one instruction set is shared
// with another file's.
#pragma once

#include "depthwise_conv.h"

#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <immintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace quantscope::runtime {

// Internal to each file that includes this: a build for one instruction set uses vectors
// narrower than its own for the channels past its last whole vector (the AVX-512 build an 8-
// and a 4-lane one), and its copies of those helpers, compiled with its instructions, must not
// be merged with another file's copies of the same types (the linker keeps one of each).
namespace {

typedef float Lanes8 __attribute__((vector_size(32)));
typedef float Lanes4 __attribute__((vector_size(16)));

template <class V>
constexpr size_t vectorLanes()
{
    return sizeof(V) / sizeof(float);
}

template <class V>
inline V loadVector(const float *p)
{
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// lanes(V) codes, one byte each, widened to floats: by the instructions of the build compiling
// this (GCC 12 widens a byte vector by __builtin_convertvector one lane at a time).
template <class V>
inline V loadCodes(const uint8_t *p)
{
    constexpr size_t kLanes = vectorLanes<V>();
    V v;
#if defined(__AVX512F__)
    if constexpr (kLanes == 16) {
        // The masked forms: the plain ones start from an undefined register, which GCC 12
        // reports as maybe used uninitialised.
        const __mmask16 all = 0xffff;
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        const __m512 f = _mm512_maskz_cvtepi32_ps(all, _mm512_maskz_cvtepu8_epi32(all, bytes));
        std::memcpy(&v, &f, sizeof v);
        return v;
    }
#endif
#if defined(__AVX2__)
    if constexpr (kLanes == 8) {
        const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p));
        const __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
        std::memcpy(&v, &f, sizeof v);
        return v;
    }
#endif
    if constexpr (kLanes == 4) {
        uint32_t four;
        std::memcpy(&four, p, sizeof four);
#if defined(__SSE4_1__)
        const __m128 f = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(int(four))));
        std::memcpy(&v, &f, sizeof v);
        return v;
#elif defined(__SSE2__)
        const __m128i zero = _mm_setzero_si128(), bytes = _mm_cvtsi32_si128(int(four));
        const __m128 f =
            _mm_cvtepi32_ps(_mm_unpacklo_epi16(_mm_unpacklo_epi8(bytes, zero), zero));
        std::memcpy(&v, &f, sizeof v);
        return v;
#elif defined(__ARM_NEON)
        const uint16x8_t halves = vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(four)));
        const float32x4_t f = vcvtq_f32_u32(vmovl_u16(vget_low_u16(halves)));
        std::memcpy(&v, &f, sizeof v);
        return v;
#endif
    }
    for (size_t i = 0; i < kLanes; ++i)
        v[i] = float(p[i]);
    return v;
}

template <class V>
inline void storeClamped(V v, V lo, V hi, float *p)
{
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    std::memcpy(p, &v, sizeof v);
}

// Adjacent outputs summed at once: enough independent FMAs to cover their latency on both
// ports (4 cycles × 2).
constexpr int kDepthwisePositions = 8;

// Channels [c0, c0 + lanes) of P adjacent outputs from ox on: P sums in flight, each tap's
// weights loaded once for all P (one sum alone waits out the FMA's latency at every tap).
template <class V, int P>
inline void depthwiseVectors(const uint8_t *const *rows, const float *weights, size_t channels,
                             const ConvWindow &g, int64_t ox, size_t c0, const ChannelEpilogue &e,
                             float *y)
{
    // The loops over P unrolled, so that each sum is a register of its own: an array indexed
    // in a loop lives on the stack (GCC zeroed it with rep stos at every call, 7 % of the
    // kernel's time on MobileNetV2).
    V acc[P];
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i)
        acc[i] = V{};
    const float *w = weights + c0;
    const size_t step = size_t(g.strideW) * channels;
    for (int64_t ky = 0; ky < g.kernelH; ++ky) {
        const uint8_t *u = rows[ky] + size_t(ox * g.strideW) * channels + c0;
        for (int64_t kx = 0; kx < g.kernelW; ++kx, w += channels) {
            const V wv = loadVector<V>(w);
            const uint8_t *at = u + size_t(kx * g.dilationW) * channels;
#pragma GCC unroll 16
            for (int i = 0; i < P; ++i)
                acc[i] += loadCodes<V>(at + size_t(i) * step) * wv;
        }
    }
    const V scale = loadVector<V>(e.scale + c0), bias = loadVector<V>(e.bias + c0);
    const V lo = V{} + e.lo, hi = V{} + e.hi;
#pragma GCC unroll 16
    for (int i = 0; i < P; ++i) {
        const V padding = loadVector<V>(e.padding + e.positionClass[ox + i] * channels + c0);
        storeClamped<V>(scale * (acc[i] - padding) + bias, lo, hi,
                        y + size_t(ox + i) * channels + c0);
    }
}

// The positions of a row from ox on, P at a time, the last fewer than P at once: a 7-wide row
// (MobileNetV2's last stages) is one call of 7 sums in flight, not 4 and then 3 one by one.
template <class V, int P>
inline void depthwisePositions(const uint8_t *const *rows, const float *weights, size_t channels,
                               const ConvWindow &g, int64_t ox, size_t c,
                               const ChannelEpilogue &e, float *y)
{
    for (; ox + P <= g.outW; ox += P)
        depthwiseVectors<V, P>(rows, weights, channels, g, ox, c, e, y);
    if constexpr (P > 1)
        if (ox < g.outW)
            depthwisePositions<V, P - 1>(rows, weights, channels, g, ox, c, e, y);
}

// The row's channels from c on in whole vectors of V; returns the first channel left over.
template <class V>
size_t depthwiseColumns(const uint8_t *const *rows, const float *weights, size_t channels,
                        const ConvWindow &g, const ChannelEpilogue &e, float *y, size_t c)
{
    constexpr size_t kLanes = vectorLanes<V>();
    for (; c + kLanes <= channels; c += kLanes)
        depthwisePositions<V, kDepthwisePositions>(rows, weights, channels, g, 0, c, e, y);
    return c;
}

} // namespace

// One output row (y, outW × channels) from the coded image rows its kernel rows read (rows[ky],
// each a bordered row): Σ u·(code − z_w) per channel, then the epilogue, whose position classes
// are the row's. Channels past the last whole vector take narrower ones, then scalars: ShuffleNet
// x0.5's 24-channel depthwise convs spent most of their time in the 8 left over one by one.
template <class V>
void depthwiseRow(const uint8_t *const *rows, const float *weights, size_t channels,
                  const ConvWindow &g, const ChannelEpilogue &e, float *y)
{
    size_t whole = depthwiseColumns<V>(rows, weights, channels, g, e, y, 0);
    if constexpr (vectorLanes<V>() > 8)
        whole = depthwiseColumns<Lanes8>(rows, weights, channels, g, e, y, whole);
    if constexpr (vectorLanes<V>() > 4)
        whole = depthwiseColumns<Lanes4>(rows, weights, channels, g, e, y, whole);
    for (size_t c = whole; c < channels; ++c) // the channels past the last whole vector
        for (int64_t ox = 0; ox < g.outW; ++ox) {
            float acc = 0;
            const float *w = weights + c;
            for (int64_t ky = 0; ky < g.kernelH; ++ky)
                for (int64_t kx = 0; kx < g.kernelW; ++kx, w += channels)
                    acc += float(rows[ky][size_t(ox * g.strideW + kx * g.dilationW) * channels +
                                          c]) *
                           *w;
            const float v = e.scale[c] * (acc - e.padding[e.positionClass[ox] * channels + c]) +
                            e.bias[c];
            y[size_t(ox) * channels + c] = v < e.lo ? e.lo : v > e.hi ? e.hi : v;
        }
}

} // namespace quantscope::runtime
