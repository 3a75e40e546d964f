// SPDX-License-Identifier: MIT
// Scalar helpers for the fused element loops (LsqActivation, the DSQ quantizer,
// PowerErrorLoss). Each is branch-free and calls no library function (baseline x86-64 has no
// floor instruction, and libm's exp and tanh are calls), so GCC vectorizes the loops that use
// them when the file is compiled at -O3 without trapping math (core/CMakeLists.txt) — at the
// baseline and in the AVX2 and AVX-512 clones that QS_VECTOR_CLONES adds.
#pragma once

#include <cstdint>
#include <cstring>

namespace quantscope::quant::elementwise {

// Σ element(i) over [0, n) in 16 float partial sums, so a loop vectorizes without reassociating
// one sum; the tail and the lanes meet in double. Callers pass one ChannelChunk (16 384
// elements at most), so each lane adds at most 1 024 terms. element may write per-element
// results too.
template <typename Element>
[[gnu::always_inline]] inline double laneSum(int64_t n, Element element)
{
    constexpr int64_t kLanes = 16;
    float lanes[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int64_t j = 0; j < kLanes; ++j)
            lanes[j] += element(i + j);
    double sum = 0;
    for (; i < n; ++i)
        sum += element(i);
    for (float lane : lanes)
        sum += lane;
    return sum;
}

// Selects on values, unlike std::clamp on references.
inline float clampTo(float v, float lo, float hi)
{
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

// Rounds half to even by the 1.5·2²³ addition: exact for |v| < 2²².
inline float roundNearest(float v)
{
    constexpr float kMagic = 12582912.0f;
    return (v + kMagic) - kMagic;
}

// The integer nearest t (half to even) with t first held to one beyond [lo, hi], so the
// rounding is exact however far out t lies and the result still tells whether t was inside.
inline float nearestLevel(float t, float lo, float hi)
{
    return roundNearest(clampTo(t, lo - 1, hi + 1));
}

// floor(v) for |v| < 2²².
inline float floorSmall(float v)
{
    const float r = roundNearest(v);
    return r > v ? r - 1.0f : r;
}

// e^v to about 2 ulp (Cephes' expf: v = n·ln2 + r with a two-part ln2, a degree-5 polynomial
// for e^r, 2ⁿ through the exponent bits). v is clamped to [−87, 88], where 2ⁿ is normal.
inline float expApprox(float v)
{
    v = clampTo(v, -87.0f, 88.0f);
    const float n = roundNearest(v * 1.44269504088896341f);
    const float r = (v - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// ln v for a normal positive v, to about 2 ulp (Cephes' logf: v = m·2^e with m in [√½, √2), a
// degree-9 polynomial in m − 1, ln 2 in two parts). Zero, subnormal, infinite and NaN inputs
// give finite values that mean nothing: callers select those out.
inline float logApprox(float v)
{
    int32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    float e = static_cast<float>(((bits >> 23) & 0xff) - 126);
    bits = (bits & 0x007fffff) | 0x3f000000; // the mantissa as m in [0.5, 1)
    float m;
    std::memcpy(&m, &bits, sizeof m);
    const bool low = m < 0.707106781186547524f;
    e = low ? e - 1.0f : e;
    const float x = (low ? m + m : m) - 1.0f;
    const float z = x * x;
    float y = 7.0376836292e-2f;
    y = y * x - 1.1514610310e-1f;
    y = y * x + 1.1676998740e-1f;
    y = y * x - 1.2420140846e-1f;
    y = y * x + 1.4249322787e-1f;
    y = y * x - 1.6668057665e-1f;
    y = y * x + 2.0000714765e-1f;
    y = y * x - 2.4999993993e-1f;
    y = y * x + 3.3333331174e-1f;
    y = y * x * z - 2.12194440e-4f * e - 0.5f * z;
    return (x + y) + 0.693359375f * e;
}

// tanh(v) = (e^{2v} − 1)/(e^{2v} + 1), absolute error about 1e-7 (it is ±1 in float beyond
// |v| = 9). Near 0 the error is absolute, not relative: enough for a gradient's weight.
inline float tanhApprox(float v)
{
    const float e = expApprox(2.0f * clampTo(v, -9.0f, 9.0f));
    return (e - 1.0f) / (e + 1.0f);
}

} // namespace quantscope::quant::elementwise
