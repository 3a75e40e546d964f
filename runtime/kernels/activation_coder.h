// SPDX-License-Identifier: MIT
// ActivationCoder: a layer's input quantizer as the simulation applies it — q = clamp(round(x/s +
// z), qmin, qmax), rounding half to even — giving the code u = q − qmin (0 … 2^bits − 1). One
// definition for every place that codes a float, which must agree to the bit: a GEMM layer
// coding its input into bytes, and the depthwise kernel coding its rows into floats.
#pragma once

#include "format/qsm_model.h"

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
    static float roundToEven(float v)
    {
        constexpr float kShift = 12582912.0f;
        return (v + kShift) - kShift;
    }

    // q as a float. clamp(round(v)) = round(clamp(v)) for integer bounds; the comparisons send
    // NaN to the lower bound.
    float quantized(float x) const
    {
        float v = x / scale + zero;
        v = v > lo ? v : lo;
        v = v < hi ? v : hi;
        return roundToEven(v);
    }

    uint8_t code(float x) const { return uint8_t(int32_t(quantized(x) - lo)); }
};

} // namespace quantscope::runtime
