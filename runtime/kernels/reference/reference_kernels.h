// SPDX-License-Identifier: MIT
// ReferenceKernels: plain scalar loops for every op of a .qsm model, in float and on quantized
// codes — the oracle every vectorised kernel is tested against, and the fp32 backend itself.
// One image at a time, NCHW without the batch.
#pragma once

#include "format/qsm_model.h"
#include "format/shape_inference.h"

#include <cmath>
#include <vector>

namespace quantscope::runtime {

class ReferenceKernels
{
public:
    // Weights dequantized to float (w = scale·(code − zero point)): layer-major, row per output
    // channel, as Layer::weight() gives them.
    static std::vector<float> dequantize(const qsm::Layer &layer);

    // Conv or linear (a linear layer is a 1×1 conv of a 1×1 image) in float.
    static void layerFloat(const qsm::Layer &layer, const std::vector<float> &weights,
                           const float *in, const qsm::Shape &inShape, float *out,
                           const qsm::Shape &outShape);
    // The same on codes: the input quantized by the layer's activation quantizer, products of
    // (q − zₐ)(code − z_w) summed exactly, then scaled once per output — what the low-bit
    // kernels compute. Needs layer.input.bits > 0; weights of another encoding (binary bases)
    // enter as their float values.
    static void layerQuantized(const qsm::Layer &layer, const float *in, const qsm::Shape &inShape,
                               float *out, const qsm::Shape &outShape);

    // The activation quantizer's rounding, which every path shares: x/scale + zero point to the
    // nearest integer (half to even), in float as the simulation computes it; not yet clamped.
    static float activationCode(float x, const qsm::ActivationQuant &a)
    {
        return std::nearbyint(x / a.scale + a.zeroPoint);
    }

    static void add(const float *a, const float *b, float *out, size_t n);
    static void clamp(const float *in, float *out, size_t n, float lo, float hi);
    // add then clamp in one pass over memory: the same numbers as the two ops.
    static void addClamped(const float *a, const float *b, float *out, size_t n, float lo,
                           float hi);
    static void pool(const qsm::Op &op, const float *in, const qsm::Shape &inShape, float *out,
                     const qsm::Shape &outShape);
    static void globalAveragePool(const float *in, const qsm::Shape &inShape, float *out);
    // x·scale + shift per channel, then clamped to [lo, hi] (±inf: no clamp, the same numbers).
    static void channelAffine(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                              float *out, float lo, float hi);
    // The inputs one after the other along the channels (or features): in C×H×W order each
    // input is one block of the output.
    static void concat(const std::vector<const float *> &ins,
                       const std::vector<qsm::Shape> &inShapes, float *out);
};

} // namespace quantscope::runtime
