// SPDX-License-Identifier: MIT
// ChannelsLast: the float ops of the low-bit backend on H×W×C values (channels last) — the
// layout its layers read codes in and write results in, so no layer transposes. Each gives
// exactly the reference's numbers (ReferenceKernels, C×H×W): the same operations in the same
// order per channel, only the memory walk differs. Plus the conversions at the graph's edges.
#pragma once

#include "format/qsm_model.h"
#include "format/shape_inference.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace quantscope::runtime {

class ChannelsLast
{
public:
    // C×H×W → H×W×C and back; `shape` is the C×H×W shape.
    static void fromChannelsFirst(const float *in, const qsm::Shape &shape, float *out);
    static void toChannelsFirst(const float *in, const qsm::Shape &shape, float *out);

    static void pool(const qsm::Op &op, const float *in, const qsm::Shape &inShape, float *out,
                     const qsm::Shape &outShape);
    static void globalAveragePool(const float *in, const qsm::Shape &inShape, float *out);
    static void channelAffine(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                              float *out, float lo, float hi);
    // A map by a C×1×1 operand (either side); equal shapes are the reference's loop.
    static void mul(const float *a, const qsm::Shape &aShape, const float *b,
                    const qsm::Shape &bShape, float *out);
    // Along the channels: each pixel's channels, input after input.
    static void concat(const std::vector<const float *> &ins,
                       const std::vector<qsm::Shape> &inShapes, float *out);
    // x where x ≥ 0, else slope·x, each pixel's channels by their slopes.
    static void prelu(const qsm::Op &op, const float *in, const qsm::Shape &inShape, float *out);
    // Channels first … first + count − 1 of each pixel.
    static void channelSlice(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                             float *out);
    // Each pixel's channels regrouped as qsm::OpKind::ChannelShuffle says; two groups (every
    // ShuffleNetV2 shuffle) interleave the two halves in vector lanes.
    static void channelShuffle(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                               float *out);
    // The map with the op's rows and columns added around it (qsm::OpKind::Pad), pixel by
    // pixel: floats, or the int8 backend's codes with `zero` the code of 0.
    template <typename T>
    static void pad(const qsm::Op &op, const T *in, const qsm::Shape &inShape, T *out, T zero)
    {
        const size_t c = inShape[0];
        const uint32_t h = inShape[1], w = inShape[2];
        const uint32_t outH = h + op.padTop + op.padBottom, outW = w + op.padLeft + op.padRight;
        for (uint32_t y = 0; y < outH; ++y) {
            const int64_t sy = op.padSource(y, h, op.padTop);
            for (uint32_t x = 0; x < outW; ++x, out += c) {
                const int64_t sx = op.padSource(x, w, op.padLeft);
                if (sy < 0 || sx < 0)
                    std::fill(out, out + c, zero);
                else
                    std::copy_n(in + (size_t(sy) * w + size_t(sx)) * c, c, out);
            }
        }
    }
};

} // namespace quantscope::runtime
