// SPDX-License-Identifier: MIT
// ChannelsLast: the float ops of the low-bit backend on H×W×C values (channels last) — the
// layout its layers read codes in and write results in, so no layer transposes. Each gives
// exactly the reference's numbers (ReferenceKernels, C×H×W): the same operations in the same
// order per channel, only the memory walk differs. Plus the conversions at the graph's edges.
#pragma once

#include "format/qsm_model.h"
#include "format/shape_inference.h"

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
};

} // namespace quantscope::runtime
