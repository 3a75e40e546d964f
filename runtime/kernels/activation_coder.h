// SPDX-License-Identifier: MIT
// ActivationCoder: a layer's input quantizer as the simulation applies it — q = clamp(round(x/s +
// z), qmin, qmax), rounding half to even (ATen's arithmetic for an integer z: see quantized) —
// giving the code u = q − qmin (0 … 2^bits − 1). One
// definition for every place that codes a float, which must agree to the bit: a GEMM layer
// coding its input into bytes, and the depthwise kernel coding its rows into floats.
#pragma once

#include "format/qsm_model.h"

#include <cstddef>
#include <cstdint>

namespace quantscope::runtime {

struct ActivationCoder
{
    float scale = 1, zero = 0, lo = 0, hi = 0; // lo, hi: qmin, qmax

    ActivationCoder() = default;
    explicit ActivationCoder(const qsm::ActivationQuant &a)
        : scale(a.scale), zero(a.zeroPoint), lo(float(a.qmin)), hi(float(a.qmax))
    {
    }

    // Round half to even, as std::nearbyint in the default rounding mode, for |v| < 2^22: past
    // 1.5·2^23 a float's unit is 1, so the sum rounds and the difference is exact. Plain float
    // arithmetic that the vectoriser keeps, where nearbyint is a library call on baseline x86-64.
    static constexpr float kRoundingShift = 12582912.0f; // 1.5·2^23
    static float roundToEven(float v) { return (v + kRoundingShift) - kRoundingShift; }

    // q as a float: round(x/s + z); for an integer z, round(x·(1/s)) + z, ATen's
    // fake_quantize_per_tensor_affine, as the workbench simulates such a grid. They differ on
    // ties, and an input whose values lie half a step off the grid (pixels k/255 normalised,
    // z = 127) is all ties: round(x/s + z) took the other code wherever z was odd, and a
    // 3-channel RTN model's first layer came out 1 % off the simulation. clamp(round(v)) =
    // round(clamp(v)) for integer bounds; the comparisons send NaN to the lower bound.
    float quantized(float x) const
    {
        const bool integer = zero == roundToEven(zero);
        const float after = integer ? zero : 0.0f; // added after rounding
        float v = integer ? x * (1.0f / scale) : x / scale + zero;
        v = v > lo - after ? v : lo - after;
        v = v < hi - after ? v : hi - after;
        return roundToEven(v) + after;
    }

    uint8_t code(float x) const { return uint8_t(int32_t(quantized(x) - lo)); }

    bool operator==(const ActivationCoder &o) const // the same code for every x
    {
        return scale == o.scale && zero == o.zero && lo == o.lo && hi == o.hi;
    }
};

// The codes of n values, at the CPU's vector width: a layer coding its input, or its output for
// the layers that read it.
void codeValues(const float *values, uint8_t *codes, size_t n, const ActivationCoder &coder);

} // namespace quantscope::runtime
