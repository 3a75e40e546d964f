// SPDX-License-Identifier: MIT
// PoolWindow: the input rows and columns one output of a max or average pool reads, and the
// divisor of an average — shared by every layout's pooling so they agree to the bit.
#pragma once

#include "format/qsm_model.h"

#include <algorithm>
#include <cstdint>

namespace quantscope::runtime {

struct PoolWindow
{
    int64_t yBegin, yEnd, xBegin, xEnd; // inside the input
    int64_t divisor;                    // for an average

    PoolWindow(const qsm::Op &op, int64_t oy, int64_t ox, int64_t H, int64_t W)
    {
        const int64_t y0 = oy * op.strideH - op.padH, x0 = ox * op.strideW - op.padW;
        // PyTorch divides by the window clipped to the padded input (not past it), or by the
        // taps inside the image without count_include_pad.
        const int64_t y1 = std::min<int64_t>(y0 + op.kernelH, H + op.padH);
        const int64_t x1 = std::min<int64_t>(x0 + op.kernelW, W + op.padW);
        yBegin = std::max<int64_t>(y0, 0);
        yEnd = std::min(y1, H);
        xBegin = std::max<int64_t>(x0, 0);
        xEnd = std::min(x1, W);
        const int64_t inside = std::max<int64_t>(yEnd - yBegin, 0) * std::max<int64_t>(xEnd - xBegin, 0);
        divisor = op.countIncludePad ? (y1 - y0) * (x1 - x0) : std::max<int64_t>(inside, 1);
    }
};

} // namespace quantscope::runtime
