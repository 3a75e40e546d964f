// SPDX-License-Identifier: MIT
#include "channels_last.h"

#include "pool_window.h"
#include "vector_clones.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace quantscope::runtime {

namespace {

// A rows × cols matrix into its transpose, in blocks of rows so that both walks stay within a
// few cache lines per column.
void transpose(const float *in, size_t rows, size_t cols, float *out)
{
    constexpr size_t kBlock = 32;
    for (size_t r0 = 0; r0 < rows; r0 += kBlock)
        for (size_t c = 0; c < cols; ++c)
            for (size_t r = r0; r < std::min(rows, r0 + kBlock); ++r)
                out[c * rows + r] = in[r * cols + c];
}

} // namespace

void ChannelsLast::fromChannelsFirst(const float *in, const qsm::Shape &shape, float *out)
{
    transpose(in, shape[0], size_t(shape[1]) * shape[2], out);
}

void ChannelsLast::toChannelsFirst(const float *in, const qsm::Shape &shape, float *out)
{
    transpose(in, size_t(shape[1]) * shape[2], shape[0], out);
}

namespace {

// Max pooling in float: the largest of floats is one of them, so no wider sum is needed and the
// reference's double gives the same numbers. Whole function cloned: the channel loop vectorises.
QS_VECTOR_CLONES void maxPool(const qsm::Op &op, const float *__restrict in, int64_t C, int64_t H,
                              int64_t W, int64_t OH, int64_t OW, float *__restrict out)
{
    for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
            const PoolWindow window(op, oy, ox, H, W);
            float *__restrict dst = out + (oy * OW + ox) * C;
            for (int64_t c = 0; c < C; ++c)
                dst[c] = -std::numeric_limits<float>::infinity();
            for (int64_t y = window.yBegin; y < window.yEnd; ++y)
                for (int64_t x = window.xBegin; x < window.xEnd; ++x) {
                    const float *__restrict pixel = in + (y * W + x) * C;
                    for (int64_t c = 0; c < C; ++c)
                        dst[c] = std::max(dst[c], pixel[c]);
                }
        }
}

} // namespace

void ChannelsLast::pool(const qsm::Op &op, const float *in, const qsm::Shape &inShape, float *out,
                        const qsm::Shape &outShape)
{
    const int64_t C = inShape[0], H = inShape[1], W = inShape[2];
    const int64_t OH = outShape[1], OW = outShape[2];
    if (op.kind == qsm::OpKind::MaxPool) {
        maxPool(op, in, C, H, W, OH, OW, out);
        return;
    }
    // Average: summed in double in the reference's order, so the numbers are the same.
    std::vector<double> acc(static_cast<size_t>(C));
    for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
            const PoolWindow window(op, oy, ox, H, W);
            std::fill(acc.begin(), acc.end(), 0.0);
            for (int64_t y = window.yBegin; y < window.yEnd; ++y)
                for (int64_t x = window.xBegin; x < window.xEnd; ++x) {
                    const float *pixel = in + (y * W + x) * C;
                    for (int64_t c = 0; c < C; ++c)
                        acc[size_t(c)] += pixel[c];
                }
            float *dst = out + (oy * OW + ox) * C;
            for (int64_t c = 0; c < C; ++c)
                dst[c] = float(acc[size_t(c)] / double(window.divisor));
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

// Not cloned for AVX2: there the compiler may fuse the multiply and add into one rounding,
// and the reference's numbers would no longer be met exactly.
void ChannelsLast::channelAffine(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                                 float *out, float lo, float hi)
{
    const size_t C = inShape[0], plane = size_t(inShape[1]) * inShape[2];
    const float *scale = op.scale.data(), *shift = op.shift.data();
    for (size_t p = 0; p < plane; ++p)
        for (size_t c = 0; c < C; ++c)
            out[p * C + c] = std::min(std::max(in[p * C + c] * scale[c] + shift[c], lo), hi);
}

void ChannelsLast::prelu(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                         float *out)
{
    const size_t C = inShape[0], plane = size_t(inShape[1]) * inShape[2];
    const float *slope = op.slopes.data();
    for (size_t p = 0; p < plane; ++p)
        for (size_t c = 0; c < C; ++c)
            out[p * C + c] = in[p * C + c] >= 0.0f ? in[p * C + c] : slope[c] * in[p * C + c];
}

void ChannelsLast::mul(const float *a, const qsm::Shape &aShape, const float *b,
                       const qsm::Shape &bShape, float *out)
{
    const bool aIsMap = aShape[1] * aShape[2] > 1;
    const float *map = aIsMap ? a : b, *perChannel = aIsMap ? b : a;
    const qsm::Shape &shape = aIsMap ? aShape : bShape;
    const size_t C = shape[0], plane = size_t(shape[1]) * shape[2];
    for (size_t p = 0; p < plane; ++p)
        for (size_t c = 0; c < C; ++c)
            out[p * C + c] = map[p * C + c] * perChannel[c];
}

void ChannelsLast::concat(const std::vector<const float *> &ins,
                          const std::vector<qsm::Shape> &inShapes, float *out)
{
    const size_t plane = size_t(inShapes[0][1]) * inShapes[0][2];
    size_t outChannels = 0;
    for (const auto &s : inShapes)
        outChannels += s[0];
    size_t first = 0; // the input's first channel in the output
    for (size_t i = 0; i < ins.size(); ++i) {
        const size_t C = inShapes[i][0];
        for (size_t p = 0; p < plane; ++p)
            std::copy(ins[i] + p * C, ins[i] + (p + 1) * C, out + p * outChannels + first);
        first += C;
    }
}

void ChannelsLast::channelSlice(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                                float *out)
{
    const size_t C = inShape[0], pixels = size_t(inShape[1]) * inShape[2];
    for (size_t p = 0; p < pixels; ++p)
        out = std::copy_n(in + p * C + op.first, op.count, out);
}

QS_VECTOR_CLONES void ChannelsLast::channelShuffle(const qsm::Op &op, const float *in,
                                                   const qsm::Shape &inShape, float *out)
{
    const size_t C = inShape[0], pixels = size_t(inShape[1]) * inShape[2];
    const size_t groups = op.groups, perGroup = C / groups;
    for (size_t p = 0; p < pixels; ++p, in += C, out += C) {
        if (groups == 2) {
            for (size_t j = 0; j < perGroup; ++j) {
                out[2 * j] = in[j];
                out[2 * j + 1] = in[perGroup + j];
            }
            continue;
        }
        for (size_t j = 0; j < perGroup; ++j)
            for (size_t i = 0; i < groups; ++i)
                out[j * groups + i] = in[i * perGroup + j];
    }
}

} // namespace quantscope::runtime
