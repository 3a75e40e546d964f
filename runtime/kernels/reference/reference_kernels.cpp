// SPDX-License-Identifier: MIT
#include "reference_kernels.h"

#include "kernels/pool_window.h"
#include "kernels/vector_clones.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace quantscope::runtime {

namespace {

// Calls f(i, c, p) for each value of a map of C channels and `plane` pixels — i its index, c
// its channel, p its pixel — in the order memory holds them (channelsLast: H×W×C), so that a
// loop over the inner axis vectorises either way.
template <typename F>
inline void forEachInLayout(size_t C, size_t plane, bool channelsLast, F f)
{
    if (channelsLast) {
        for (size_t p = 0; p < plane; ++p)
            for (size_t c = 0; c < C; ++c)
                f(p * C + c, c, p);
    } else {
        for (size_t c = 0; c < C; ++c)
            for (size_t p = 0; p < plane; ++p)
                f(c * plane + p, c, p);
    }
}

// The geometry both conv kernels walk; a linear layer is a 1×1 conv of a 1×1 image.
struct ConvGeometry
{
    int64_t inC, inH, inW, outC, outH, outW, kh, kw, sh, sw, ph, pw, dh, dw, groups, inPerGroup,
        outPerGroup;

    ConvGeometry(const qsm::Layer &l, const qsm::Shape &in, const qsm::Shape &out)
    {
        const bool linear = l.kind == qsm::OpKind::Linear;
        inC = in[0];
        inH = linear ? 1 : in[1];
        inW = linear ? 1 : in[2];
        outC = out[0];
        outH = linear ? 1 : out[1];
        outW = linear ? 1 : out[2];
        kh = l.kernelH, kw = l.kernelW, sh = l.strideH, sw = l.strideW;
        ph = l.padH, pw = l.padW, dh = l.dilationH, dw = l.dilationW;
        groups = l.groups;
        inPerGroup = l.inChannels;
        outPerGroup = outC / groups;
    }

    // Calls visit(k, inputIndex) for every weight k of output channel oc at (oy, ox) whose input
    // lies inside the image; padding contributes zero in both float and code domains.
    template <typename Visit> void window(int64_t oc, int64_t oy, int64_t ox, Visit visit) const
    {
        const int64_t g = oc / outPerGroup;
        for (int64_t ic = 0; ic < inPerGroup; ++ic)
            for (int64_t ky = 0; ky < kh; ++ky) {
                const int64_t y = oy * sh - ph + ky * dh;
                if (y < 0 || y >= inH)
                    continue;
                for (int64_t kx = 0; kx < kw; ++kx) {
                    const int64_t x = ox * sw - pw + kx * dw;
                    if (x < 0 || x >= inW)
                        continue;
                    visit((ic * kh + ky) * kw + kx, ((g * inPerGroup + ic) * inH + y) * inW + x);
                }
            }
    }
};

float biasOf(const qsm::Layer &l, int64_t oc)
{
    return l.bias.empty() ? 0.0f : l.bias[size_t(oc)];
}

} // namespace

std::vector<float> ReferenceKernels::dequantize(const qsm::Layer &layer)
{
    const size_t row = layer.rowElements();
    std::vector<float> w(layer.outChannels * row);
    for (size_t c = 0; c < layer.outChannels; ++c)
        layer.rowWeights(c, w.data() + c * row);
    return w;
}

void ReferenceKernels::layerFloat(const qsm::Layer &layer, const std::vector<float> &weights,
                                  const float *in, const qsm::Shape &inShape, float *out,
                                  const qsm::Shape &outShape)
{
    const ConvGeometry g(layer, inShape, outShape);
    const size_t row = layer.rowElements();
    for (int64_t oc = 0; oc < g.outC; ++oc) {
        const float *w = weights.data() + size_t(oc) * row;
        for (int64_t oy = 0; oy < g.outH; ++oy)
            for (int64_t ox = 0; ox < g.outW; ++ox) {
                double acc = 0;
                g.window(oc, oy, ox, [&](int64_t k, int64_t i) { acc += double(w[k]) * in[i]; });
                out[(oc * g.outH + oy) * g.outW + ox] = float(acc) + biasOf(layer, oc);
            }
    }
}

void ReferenceKernels::layerQuantized(const qsm::Layer &layer, const float *in,
                                      const qsm::Shape &inShape, float *out,
                                      const qsm::Shape &outShape)
{
    const ConvGeometry g(layer, inShape, outShape);
    const auto &a = layer.input;
    // Activation codes minus their zero point: the quantizer of the workbench's simulation.
    const size_t n = qsm::ShapeInference::elements(inShape);
    std::vector<double> centred(n);
    for (size_t i = 0; i < n; ++i) {
        const double q = activationCode(in[i], a);
        centred[i] = std::clamp(q, double(a.qmin), double(a.qmax)) - a.zeroPoint;
    }
    // Uniform weights as codes minus their zero point (scaled once per channel); any other
    // encoding as its float weights, decoded once rather than at every output position.
    const bool codes = layer.encoding == qsm::WeightEncoding::Uniform;
    const auto floats = codes ? std::vector<float>{} : dequantize(layer);
    const size_t row = layer.rowElements();
    for (int64_t oc = 0; oc < g.outC; ++oc) {
        const double zw = codes ? layer.zeroPoint[size_t(oc)] : 0.0;
        const double scale = double(a.scale) * (codes ? layer.scale[size_t(oc)] : 1.0);
        for (int64_t oy = 0; oy < g.outH; ++oy)
            for (int64_t ox = 0; ox < g.outW; ++ox) {
                double acc = 0;
                g.window(oc, oy, ox, [&](int64_t k, int64_t i) {
                    const auto c = size_t(oc), kk = size_t(k);
                    acc += centred[size_t(i)] * (codes ? double(layer.code(c, kk)) - zw
                                                       : double(floats[c * row + kk]));
                });
                out[(oc * g.outH + oy) * g.outW + ox] = float(scale * acc) + biasOf(layer, oc);
            }
    }
}

void ReferenceKernels::channelAffine(const qsm::Op &op, const float *in,
                                     const qsm::Shape &inShape, float *out, float lo, float hi)
{
    const size_t plane = inShape.size() == 3 ? size_t(inShape[1]) * inShape[2] : 1;
    for (size_t c = 0; c < inShape[0]; ++c)
        for (size_t p = c * plane; p < (c + 1) * plane; ++p)
            out[p] = std::min(std::max(in[p] * op.scale[c] + op.shift[c], lo), hi);
}

QS_VECTOR_CLONES void ReferenceKernels::groupNormAffine(const qsm::Op &op, const float *in,
                                                        const qsm::Shape &inShape,
                                                        bool channelsLast, NormScratch &out)
{
    const size_t C = inShape[0], plane = size_t(inShape[1]) * inShape[2], per = C / op.groups;
    // Sums per channel, pixel after pixel, with memory walked in the layout's own order; then
    // per group, channel after channel: the same additions in the same order in either layout.
    out.sums.resize(C);
    out.means.resize(C);
    double *sum = out.sums.data(), *mean = out.means.data();
    const auto sumPerChannel = [&](auto f) {
        std::fill_n(sum, C, 0.0);
        forEachInLayout(C, plane, channelsLast,
                        [&](size_t i, size_t c, size_t) { sum[c] += f(double(in[i]), c); });
    };
    const auto groupSum = [&](size_t first) {
        double total = 0;
        for (size_t c = first; c < first + per; ++c)
            total += sum[c];
        return total;
    };
    const double n = double(per * plane);
    sumPerChannel([](double x, size_t) { return x; });
    for (size_t first = 0; first < C; first += per)
        std::fill_n(mean + first, per, groupSum(first) / n);
    // Two passes: the squares about the mean, not E[x²] − μ², which cancels for a group far
    // from zero.
    sumPerChannel([&](double x, size_t c) { return (x - mean[c]) * (x - mean[c]); });
    auto &affine = out.affine;
    affine.scale.resize(C);
    affine.shift.resize(C);
    for (size_t first = 0; first < C; first += per) {
        const double r = 1.0 / std::sqrt(groupSum(first) / n + double(op.epsilon));
        for (size_t c = first; c < first + per; ++c) {
            const double s = double(op.scale[c]) * r;
            affine.scale[c] = float(s);
            affine.shift[c] = float(double(op.shift[c]) - mean[c] * s);
        }
    }
}

QS_VECTOR_CLONES void ReferenceKernels::layerNorm(const qsm::Op &op, const float *in,
                                                  const qsm::Shape &inShape, bool channelsLast,
                                                  NormScratch &scratch, float *out)
{
    const size_t C = inShape[0], plane = inShape.size() == 3 ? size_t(inShape[1]) * inShape[2] : 1;
    scratch.sums.resize(plane);
    scratch.means.resize(plane);
    double *sum = scratch.sums.data(), *mean = scratch.means.data();
    // Per pixel, channel after channel. C×H×W walks a channel's plane at a time, so its pixels
    // vectorise; channels last walks blocks of pixels side by side, channel after channel, so
    // that their sums do not wait on each other. Either way each pixel adds its channels in
    // order.
    const auto sumPerPixel = [&](auto f) {
        std::fill_n(sum, plane, 0.0);
        if (!channelsLast) {
            forEachInLayout(C, plane, false,
                            [&](size_t i, size_t, size_t p) { sum[p] += f(double(in[i]), p); });
            return;
        }
        constexpr size_t kBlock = 8;
        size_t first = 0;
        for (; first + kBlock <= plane; first += kBlock) {
            double block[kBlock] = {};
            for (size_t c = 0; c < C; ++c)
                for (size_t j = 0; j < kBlock; ++j)
                    block[j] += f(double(in[(first + j) * C + c]), first + j);
            std::copy_n(block, kBlock, sum + first);
        }
        for (size_t p = first; p < plane; ++p)
            for (size_t c = 0; c < C; ++c)
                sum[p] += f(double(in[p * C + c]), p);
    };
    sumPerPixel([](double x, size_t) { return x; });
    for (size_t p = 0; p < plane; ++p)
        mean[p] = sum[p] / double(C);
    // Two passes, as the group norm's: a pixel's channels may lie far from zero.
    sumPerPixel([&](double x, size_t p) { return (x - mean[p]) * (x - mean[p]); });
    double *r = sum;
    for (size_t p = 0; p < plane; ++p)
        r[p] = 1.0 / std::sqrt(sum[p] / double(C) + double(op.epsilon));
    forEachInLayout(C, plane, channelsLast, [&](size_t i, size_t c, size_t p) {
        out[i] = float((double(in[i]) - mean[p]) * r[p]) * op.scale[c] + op.shift[c];
    });
}

void ReferenceKernels::concat(const std::vector<const float *> &ins,
                              const std::vector<qsm::Shape> &inShapes, float *out)
{
    for (size_t i = 0; i < ins.size(); ++i) {
        const size_t n = qsm::ShapeInference::elements(inShapes[i]);
        std::copy(ins[i], ins[i] + n, out);
        out += n;
    }
}

void ReferenceKernels::pad(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                           float *out)
{
    const uint32_t h = inShape[1], w = inShape[2];
    const uint32_t outH = h + op.padTop + op.padBottom, outW = w + op.padLeft + op.padRight;
    for (uint32_t c = 0; c < inShape[0]; ++c)
        for (uint32_t y = 0; y < outH; ++y) {
            const int64_t sy = op.padSource(y, h, op.padTop);
            for (uint32_t x = 0; x < outW; ++x) {
                const int64_t sx = op.padSource(x, w, op.padLeft);
                *out++ =
                    sy < 0 || sx < 0 ? 0.0f : in[(size_t(c) * h + size_t(sy)) * w + size_t(sx)];
            }
        }
}

void ReferenceKernels::resize(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                              bool channelsLast, float *out)
{
    if (op.resizeMode != qsm::ResizeMode::Bilinear) {
        resizeNearest(op, in, inShape, channelsLast, out);
        return;
    }
    const size_t c = inShape[0], w = inShape[2];
    const auto rows = op.resizeTaps(inShape[1], op.outHeight, op.stepH);
    const auto cols = op.resizeTaps(inShape[2], op.outWidth, op.stepW);
    // Between a channel's values and between pixels, as the layout has them.
    const size_t channelStep = channelsLast ? 1 : size_t(inShape[1]) * w;
    const size_t pixelStep = channelsLast ? c : 1;
    const auto value = [&](size_t ch, const qsm::ResizeTap &r, const qsm::ResizeTap &k) {
        const float *p = in + ch * channelStep;
        const float top = p[(r.first * w + k.first) * pixelStep] * k.firstWeight +
                          p[(r.first * w + k.second) * pixelStep] * k.secondWeight;
        const float bottom = p[(r.second * w + k.first) * pixelStep] * k.firstWeight +
                             p[(r.second * w + k.second) * pixelStep] * k.secondWeight;
        return top * r.firstWeight + bottom * r.secondWeight;
    };
    // The output in its layout's order.
    if (channelsLast) {
        for (const auto &r : rows)
            for (const auto &k : cols)
                for (size_t ch = 0; ch < c; ++ch)
                    *out++ = value(ch, r, k);
        return;
    }
    for (size_t ch = 0; ch < c; ++ch)
        for (const auto &r : rows)
            for (const auto &k : cols)
                *out++ = value(ch, r, k);
}

void ReferenceKernels::gatherChannels(const float *in, const qsm::Shape &inShape,
                                      const std::vector<uint32_t> &sources, float *out)
{
    const size_t plane = qsm::ShapeInference::elements(inShape) / inShape[0];
    for (uint32_t c : sources)
        out = std::copy(in + c * plane, in + (c + 1) * plane, out);
}

QS_VECTOR_CLONES void ReferenceKernels::activation(qsm::ActivationFunction f, const float *in,
                                                   float *out, size_t n)
{
    // One loop per function, so each vectorises without a branch per element.
    using F = qsm::ActivationFunction;
    switch (f) {
    case F::Sigmoid: for (size_t i = 0; i < n; ++i) out[i] = activation(F::Sigmoid, in[i]); break;
    case F::HardSigmoid:
        for (size_t i = 0; i < n; ++i)
            out[i] = activation(F::HardSigmoid, in[i]);
        break;
    case F::SiLU: for (size_t i = 0; i < n; ++i) out[i] = activation(F::SiLU, in[i]); break;
    case F::HardSwish:
        for (size_t i = 0; i < n; ++i)
            out[i] = activation(F::HardSwish, in[i]);
        break;
    case F::GELU: for (size_t i = 0; i < n; ++i) out[i] = activation(F::GELU, in[i]); break;
    case F::GELUTanh:
        for (size_t i = 0; i < n; ++i)
            out[i] = activation(F::GELUTanh, in[i]);
        break;
    case F::ELU: for (size_t i = 0; i < n; ++i) out[i] = activation(F::ELU, in[i]); break;
    case F::Tanh: for (size_t i = 0; i < n; ++i) out[i] = activation(F::Tanh, in[i]); break;
    case F::Softplus:
        for (size_t i = 0; i < n; ++i)
            out[i] = activation(F::Softplus, in[i]);
        break;
    case F::Mish: for (size_t i = 0; i < n; ++i) out[i] = activation(F::Mish, in[i]); break;
    }
}

void ReferenceKernels::softmax(const float *in, size_t n, bool log, float *out)
{
    const float top = n ? *std::max_element(in, in + n) : 0.0f;
    float sum = 0;
    for (size_t i = 0; i < n; ++i)
        sum += std::exp(in[i] - top);
    const float logSum = std::log(sum);
    for (size_t i = 0; i < n; ++i)
        out[i] = log ? in[i] - top - logSum : std::exp(in[i] - top) / sum;
}

void ReferenceKernels::prelu(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                             float *out)
{
    const size_t plane = inShape.size() == 3 ? size_t(inShape[1]) * inShape[2] : 1;
    for (size_t c = 0; c < inShape[0]; ++c) {
        const float slope = op.slopes[op.slopes.size() == 1 ? 0 : c];
        for (size_t p = c * plane; p < (c + 1) * plane; ++p)
            out[p] = in[p] >= 0.0f ? in[p] : slope * in[p];
    }
}

void ReferenceKernels::mul(const float *a, const qsm::Shape &aShape, const float *b,
                           const qsm::Shape &bShape, float *out)
{
    if (aShape == bShape) {
        for (size_t i = 0, n = qsm::ShapeInference::elements(aShape); i < n; ++i)
            out[i] = a[i] * b[i];
        return;
    }
    // A product is the same either way round: the per-channel operand may be a or b.
    const bool aIsMap = aShape[1] * aShape[2] > 1;
    const float *map = aIsMap ? a : b, *perChannel = aIsMap ? b : a;
    const qsm::Shape &shape = aIsMap ? aShape : bShape;
    const size_t plane = size_t(shape[1]) * shape[2];
    for (size_t c = 0; c < shape[0]; ++c)
        for (size_t p = c * plane; p < (c + 1) * plane; ++p)
            out[p] = map[p] * perChannel[c];
}

void ReferenceKernels::add(const float *a, const float *b, float *out, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = a[i] + b[i];
}

void ReferenceKernels::clamp(const float *in, float *out, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = std::min(std::max(in[i], lo), hi);
}

// Cloned (vector_clones.h): also the low-bit path's residual add, where its width shows.
QS_VECTOR_CLONES void ReferenceKernels::addClamped(const float *a, const float *b, float *out,
                                                   size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = std::min(std::max(a[i] + b[i], lo), hi);
}

void ReferenceKernels::pool(const qsm::Op &op, const float *in, const qsm::Shape &inShape,
                            float *out, const qsm::Shape &outShape)
{
    const int64_t C = inShape[0], H = inShape[1], W = inShape[2];
    const int64_t OH = outShape[1], OW = outShape[2];
    const bool max = op.kind == qsm::OpKind::MaxPool;
    for (int64_t c = 0; c < C; ++c)
        for (int64_t oy = 0; oy < OH; ++oy)
            for (int64_t ox = 0; ox < OW; ++ox) {
                const PoolWindow window(op, oy, ox, H, W);
                double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
                for (int64_t y = window.yBegin; y < window.yEnd; ++y)
                    for (int64_t x = window.xBegin; x < window.xEnd; ++x) {
                        const double v = in[(c * H + y) * W + x];
                        acc = max ? std::max(acc, v) : acc + v;
                    }
                if (!max)
                    acc /= double(window.divisor);
                out[(c * OH + oy) * OW + ox] = float(acc);
            }
}

void ReferenceKernels::globalAveragePool(const float *in, const qsm::Shape &inShape, float *out)
{
    const size_t plane = size_t(inShape[1]) * inShape[2];
    for (size_t c = 0; c < inShape[0]; ++c) {
        double acc = 0;
        for (size_t i = 0; i < plane; ++i)
            acc += in[c * plane + i];
        out[c] = float(acc / double(plane));
    }
}

} // namespace quantscope::runtime
