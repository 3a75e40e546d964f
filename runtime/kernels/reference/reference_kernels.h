// SPDX-License-Identifier: MIT
// ReferenceKernels: plain scalar loops for every op of a .qsm model, in float and on quantized
// codes — the oracle every vectorised kernel is tested against, and the fp32 backend itself.
// One image at a time, NCHW without the batch.
#pragma once

#include "format/qsm_model.h"
#include "format/shape_inference.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
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
    // nearest integer (half to even), in float as the simulation computes it — for an integer
    // zero point x·(1/scale) rounded, then shifted (ATen's, ActivationCoder says why); not yet
    // clamped.
    static float activationCode(float x, const qsm::ActivationQuant &a)
    {
        if (a.zeroPoint == std::nearbyint(a.zeroPoint))
            return std::nearbyint(x * (1.0f / a.scale)) + a.zeroPoint;
        return std::nearbyint(x / a.scale + a.zeroPoint);
    }

    // e^x within a few ulp (Cephes' polynomial after an exact reduction by ln 2), in plain float
    // arithmetic that vectorises: std::exp is a library call per element, and EfficientNet's
    // SiLUs took twice the time of its convs with it. Saturates below e^−87.3 and above e^88.3.
    static float exp(float x)
    {
        x = std::min(std::max(x, -87.3f), 88.3f);
        const float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f; // round(x / ln 2)
        const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
        float p = 1.9875691500e-4f;
        for (float c : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f,
                        5.0000001201e-1f})
            p = p * r + c;
        const int32_t bits = (int32_t(n) + 127) << 23; // 2^n
        float twoToN;
        std::memcpy(&twoToN, &bits, sizeof twoToN);
        return (p * r * r + r + 1.0f) * twoToN;
    }
    static constexpr float kSqrtHalf = 0.70710678118654752f;
    // erfc(z) for z ≥ 0 within 1.5e-7 (Abramowitz and Stegun 7.1.26: a polynomial in
    // t = 1/(1 + pz) times e^−z²), on the vectorised exp. GELU and ELU computed with std::erf
    // and std::expm1, library calls per element, took the low-bit backend of a small GELU CNN
    // to twice the int8 one's time.
    static float erfcAbramowitzStegun(float z)
    {
        const float t = 1.0f / (1.0f + 0.3275911f * z);
        float p = 1.061405429f;
        for (float c : {-1.453152027f, 1.421413741f, -0.284496736f, 0.254829592f})
            p = p * t + c;
        return p * t * exp(-z * z);
    }
    static constexpr float kSqrtTwoOverPi = 0.79788456080286536f;
    // One value through an Activation op's function, as PyTorch defines it.
    static float activation(qsm::ActivationFunction f, float x)
    {
        const float hard = std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
        switch (f) {
        case qsm::ActivationFunction::Sigmoid: return 1.0f / (1.0f + exp(-x));
        case qsm::ActivationFunction::HardSigmoid: return hard;
        case qsm::ActivationFunction::SiLU: return x / (1.0f + exp(-x));
        case qsm::ActivationFunction::HardSwish: return x * hard;
        case qsm::ActivationFunction::GELU: { // through erfc(|x|/√2), erfc(z) = P(t)·e^−z²
            const float z = std::fabs(x) * kSqrtHalf, erfc = erfcAbramowitzStegun(z);
            return x >= 0.0f ? x * (1.0f - 0.5f * erfc) : 0.5f * x * erfc;
        }
        case qsm::ActivationFunction::GELUTanh: // x · (1 + tanh u) / 2 = x / (1 + e^−2u)
            return x / (1.0f + exp(-2.0f * kSqrtTwoOverPi * (x + 0.044715f * x * x * x)));
        case qsm::ActivationFunction::ELU: return x > 0.0f ? x : exp(x) - 1.0f;
        // tanh and mish through the vectorised exp, within a few 1e-7 of PyTorch's (LeNet's
        // tanh with std::tanh took the low-bit backend to twice the int8 one's time): tanh(x) =
        // 2 / (1 + e^−2x) − 1, and tanh(ln(1 + e^x)) = n / (n + 2) with n = e^x (e^x + 2),
        // which is 1 in float above x = 20.
        case qsm::ActivationFunction::Tanh: return 2.0f / (1.0f + exp(-2.0f * x)) - 1.0f;
        case qsm::ActivationFunction::Softplus: return x > 20.0f ? x : std::log1p(std::exp(x));
        case qsm::ActivationFunction::Mish: {
            const float e = exp(std::min(x, 20.0f)), n = e * (e + 2.0f);
            return x > 20.0f ? x : x * n / (n + 2.0f);
        }
        }
        return x;
    }
    // Element by element: the same in either layout.
    static void activation(qsm::ActivationFunction f, const float *in, float *out, size_t n);
    // a · b element by element, or a C×H×W map by a C×1×1 operand (either side).
    static void mul(const float *a, const qsm::Shape &aShape, const float *b,
                    const qsm::Shape &bShape, float *out);

    // The softmax of n values (log: its logarithm), as PyTorch: less the largest, e^x over Σ.
    static void softmax(const float *in, size_t n, bool log, float *out);
    // x where x ≥ 0, else slope·x: the op's one slope, or its slope per channel.
    static void prelu(const qsm::Op &op, const float *in, const qsm::Shape &inShape, float *out);
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
    // The map with the op's rows and columns added around it (qsm::OpKind::Pad).
    static void pad(const qsm::Op &op, const float *in, const qsm::Shape &inShape, float *out);
    // A norm's statistics for the image at hand (a group norm's per-channel sums and the
    // channel affine made from them, a layer norm's per-pixel ones), kept by an executor so
    // that no run allocates.
    struct NormScratch
    {
        qsm::Op affine; // a group norm's scale and shift
        std::vector<double> sums, means;
    };
    // A group norm (qsm::OpKind::GroupNorm) as the channel affine it is for this image: channel
    // c becomes x·(γ_c·r) + (β_c − μ·γ_c·r), μ its group's mean and r = 1/√(σ² + ε), σ² the
    // biased variance, as PyTorch computes it. The sums run in double, each channel's pixel
    // after pixel, then the group's channel after channel, in either layout (channelsLast: the
    // map is H×W×C), so that both give the same numbers.
    static void groupNormAffine(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                                bool channelsLast, NormScratch &out);
    // A layer norm (qsm::OpKind::LayerNorm): each pixel's channels x (a vector's features)
    // become (x − μ)·r·γ_c + β_c, μ the pixel's mean and r = 1/√(σ² + ε), σ² their biased
    // variance, as PyTorch computes it. The sums run in double, channel after channel, in either
    // layout (channelsLast: the map is H×W×C), so that both give the same numbers.
    static void layerNorm(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                          bool channelsLast, NormScratch &scratch, float *out);
    // A resize (qsm::OpKind::Resize) of a C×H×W map or (channelsLast) an H×W×C one: each output
    // value from its taps along the rows, then the columns (qsm::Op::resizeTaps), the sums in
    // ATen's order in either layout, so that both give the same numbers.
    static void resize(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                       bool channelsLast, float *out);
    // The same in a nearest mode, which copies: floats, or the int8 backend's codes.
    template <typename T>
    static void resizeNearest(const qsm::Op &op, const T *in, const qsm::Shape &inShape,
                              bool channelsLast, T *out)
    {
        const size_t c = inShape[0], w = inShape[2];
        const auto rows = op.resizeTaps(inShape[1], op.outHeight, op.stepH);
        const auto cols = op.resizeTaps(inShape[2], op.outWidth, op.stepW);
        if (channelsLast) {
            for (const auto &r : rows)
                for (const auto &k : cols)
                    out = std::copy_n(in + (r.first * w + k.first) * c, c, out);
            return;
        }
        const size_t plane = size_t(inShape[1]) * w;
        for (size_t ch = 0; ch < c; ++ch)
            for (const auto &r : rows)
                for (const auto &k : cols)
                    *out++ = in[ch * plane + r.first * w + k.first];
    }
    // Output channel o is input channel sources[o] (qsm::Op::sourceChannels: a channel slice
    // or shuffle), of a C×H×W map or a vector.
    static void gatherChannels(const float *in, const qsm::Shape &inShape,
                               const std::vector<uint32_t> &sources, float *out);
};

} // namespace quantscope::runtime
