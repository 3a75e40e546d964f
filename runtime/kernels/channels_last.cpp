// SPDX-License-Identifier: MIT
#include "channels_last.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace quantscope::runtime {

void ChannelsLast::fromChannelsFirst(const float *in, const qsm::Shape &shape, float *out)
{
    const size_t C = shape[0], plane = size_t(shape[1]) * shape[2];
    // Blocks of pixels keep both walks within a few cache lines per channel.
    constexpr size_t kBlock = 32;
    for (size_t p0 = 0; p0 < plane; p0 += kBlock)
        for (size_t c = 0; c < C; ++c)
            for (size_t p = p0; p < std::min(plane, p0 + kBlock); ++p)
                out[p * C + c] = in[c * plane + p];
}

void ChannelsLast::toChannelsFirst(const float *in, const qsm::Shape &shape, float *out)
{
    const size_t C = shape[0], plane = size_t(shape[1]) * shape[2];
    constexpr size_t kBlock = 32;
    for (size_t p0 = 0; p0 < plane; p0 += kBlock)
        for (size_t c = 0; c < C; ++c)
            for (size_t p = p0; p < std::min(plane, p0 + kBlock); ++p)
                out[c * plane + p] = in[p * C + c];
}

void ChannelsLast::pool(const qsm::Op &op, const float *in, const qsm::Shape &inShape, float *out,
                        const qsm::Shape &outShape)
{
    const int64_t C = inShape[0], H = inShape[1], W = inShape[2];
    const int64_t OH = outShape[1], OW = outShape[2];
    const bool max = op.kind == qsm::OpKind::MaxPool;
    std::vector<double> acc(static_cast<size_t>(C));
    for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
            const int64_t y0 = oy * op.strideH - op.padH, x0 = ox * op.strideW - op.padW;
            // As the reference: the divisor is the window clipped to the padded input.
            const int64_t y1 = std::min<int64_t>(y0 + op.kernelH, H + op.padH);
            const int64_t x1 = std::min<int64_t>(x0 + op.kernelW, W + op.padW);
            const int64_t padded = (y1 - y0) * (x1 - x0);
            std::fill(acc.begin(), acc.end(),
                      max ? -std::numeric_limits<double>::infinity() : 0.0);
            int64_t inside = 0;
            for (int64_t y = std::max<int64_t>(y0, 0); y < std::min(y1, H); ++y)
                for (int64_t x = std::max<int64_t>(x0, 0); x < std::min(x1, W); ++x) {
                    const float *pixel = in + (y * W + x) * C;
                    if (max)
                        for (int64_t c = 0; c < C; ++c)
                            acc[size_t(c)] = std::max(acc[size_t(c)], double(pixel[c]));
                    else
                        for (int64_t c = 0; c < C; ++c)
                            acc[size_t(c)] += pixel[c];
                    ++inside;
                }
            const double divisor =
                max ? 1.0 : double(op.countIncludePad ? padded : std::max<int64_t>(inside, 1));
            float *dst = out + (oy * OW + ox) * C;
            for (int64_t c = 0; c < C; ++c)
                dst[c] = float(max ? acc[size_t(c)] : acc[size_t(c)] / divisor);
        }
}

void ChannelsLast::globalAveragePool(const float *in, const qsm::Shape &inShape, float *out)
{
    const size_t C = inShape[0], plane = size_t(inShape[1]) * inShape[2];
    std::vector<double> acc(C, 0.0);
    for (size_t p = 0; p < plane; ++p)
        for (size_t c = 0; c < C; ++c)
            acc[c] += in[p * C + c];
    for (size_t c = 0; c < C; ++c)
        out[c] = float(acc[c] / double(plane));
}

} // namespace quantscope::runtime
