// SPDX-License-Identifier: MIT
#include "xnnpack_executor.h"

#include "int8_weights.h"
#include "kernels/activation_coder.h"
#include "kernels/channels_last.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/vector_clones.h"
#include "value_ranges.h"
#include "wide_depthwise.h"

#if QUANTSCOPE_WITH_XNNPACK
#include <xnnpack.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace quantscope::runtime {

namespace {

int8_t code(float x, float scale, int8_t zeroPoint)
{
    const float q = std::nearbyint(x / scale) + zeroPoint;
    return int8_t(std::clamp(q, -128.0f, 127.0f));
}

// a·q + b per channel (channels last), rounded half to even and clamped: the channel affine's
// requantization, in float lanes.
QS_VECTOR_CLONES void affineCodesLoop(const int8_t *in, int8_t *out, size_t n, size_t channels,
                                      const float *a, const float *b, float lo, float hi)
{
    for (size_t p = 0; p < n; p += channels)
        for (size_t c = 0; c < channels; ++c) {
            const float v = std::min(std::max(a[c] * float(in[p + c]) + b[c], lo), hi);
            out[p + c] = int8_t(int32_t(ActivationCoder::roundToEven(v)));
        }
}

} // namespace

void XnnpackExecutor::affineCodes(const int8_t *in, int8_t *out, size_t n, const Step &step)
{
    affineCodesLoop(in, out, n, step.codeScale.size(), step.codeScale.data(),
                    step.codeShift.data(), step.codeMin, step.codeMax);
}

template <typename F>
std::vector<int8_t> XnnpackExecutor::codeTable(Quant in, Quant out, F f)
{
    std::vector<int8_t> table(256);
    for (int q = -128; q < 128; ++q)
        table[size_t(q + 128)] = code(f(in.scale * float(q - in.zeroPoint)), out.scale,
                                      out.zeroPoint);
    return table;
}

XnnpackExecutor::Quant XnnpackExecutor::quantFor(const ValueRange &range)
{
    const float lo = std::min(range.min, 0.0f);
    const float hi = std::max({range.max, 0.0f, lo + 1e-6f});
    Quant q;
    q.scale = (hi - lo) / 255.0f;
    q.zeroPoint = int8_t(std::clamp(std::nearbyint(-128.0f - lo / q.scale), -128.0f, 127.0f));
    return q;
}

bool XnnpackExecutor::available()
{
    return QUANTSCOPE_WITH_XNNPACK;
}

#if QUANTSCOPE_WITH_XNNPACK
void XnnpackExecutor::check(int status, size_t op, const char *what) const
{
    if (status != xnn_status_success)
        throw qsm::FormatError("int8 backend: XNNPACK refused op " + std::to_string(op) + " (" +
                               qsm::opKindName(m_model.ops[op].kind) + "): " + what + " failed with status " +
                               std::to_string(status));
}

XnnpackExecutor::XnnpackExecutor(const qsm::Model &model, const std::vector<ValueRange> &ranges,
                                 size_t threads)
    : m_model(model), m_pool(threads), m_shapes(qsm::ShapeInference::infer(model)),
      m_quant(model.valueCount), m_values(model.valueCount), m_opSeconds(model.ops.size())
{
    static const bool initialised = xnn_initialize(nullptr) == xnn_status_success;
    if (!initialised)
        throw qsm::FormatError("int8 backend: XNNPACK does not support this CPU");
    if (ranges.size() != model.valueCount)
        throw qsm::FormatError("int8 backend: calibration ranges do not match the model");
    const auto joined = ValueRanges::joinedByConcats(model, ranges);
    for (size_t v = 0; v < m_values.size(); ++v) {
        m_quant[v] = quantFor(joined[v]);
        if (!m_shapes[v].empty())
            m_values[v].resize(qsm::ShapeInference::elements(m_shapes[v]));
    }
    try {
        createSteps();
    } catch (...) {
        for (auto &step : m_steps)
            xnn_delete_operator(step.op);
        throw;
    }
}

XnnpackExecutor::~XnnpackExecutor()
{
    for (auto &step : m_steps)
        xnn_delete_operator(step.op);
}

void XnnpackExecutor::createSteps()
{
    std::vector<int> readers(m_model.valueCount, 0);
    for (const auto &op : m_model.ops)
        for (uint32_t v : op.inputs)
            ++readers[v];
    std::vector<bool> fusedAway(m_model.ops.size(), false);
    for (size_t i = 0; i < m_model.ops.size(); ++i) {
        if (fusedAway[i])
            continue;
        const auto &op = m_model.ops[i];
        const auto &in = m_shapes[op.inputs[0]];
        const Quant qin = m_quant[op.inputs[0]];
        // A clamp that alone reads a conv's or an add's output is done by that op.
        uint32_t out = op.output;
        float lo = -std::numeric_limits<float>::infinity(), hi = -lo;
        const bool fusable = op.kind == qsm::OpKind::Conv || op.kind == qsm::OpKind::Linear ||
                             op.kind == qsm::OpKind::Add || op.kind == qsm::OpKind::Mul ||
                             op.kind == qsm::OpKind::ChannelAffine ||
                             op.kind == qsm::OpKind::Activation || op.kind == qsm::OpKind::PRelu;
        if (fusable && i + 1 < m_model.ops.size() && readers[op.output] == 1 &&
            m_model.ops[i + 1].kind == qsm::OpKind::Clamp &&
            m_model.ops[i + 1].inputs[0] == op.output && op.output != m_model.output) {
            fusedAway[i + 1] = true;
            out = m_model.ops[i + 1].output;
            lo = m_model.ops[i + 1].lo;
            hi = m_model.ops[i + 1].hi;
        }
        const Quant qout = m_quant[out];
        const int8_t outMin = std::isinf(lo) ? -128 : code(lo, qout.scale, qout.zeroPoint);
        const int8_t outMax = std::isinf(hi) ? 127 : code(hi, qout.scale, qout.zeroPoint);
        Step step;
        step.modelOp = i;
        step.output = out;
        xnn_operator_t xop = nullptr;
        switch (op.kind) {
        case qsm::OpKind::Conv:
        case qsm::OpKind::Linear: {
            const auto &l = m_model.layers[op.layer];
            const bool linear = l.kind == qsm::OpKind::Linear;
            const auto weights = Int8Weights::of(l, qin.scale);
            if (WideDepthwise::needed(l)) {
                step.wide = std::make_shared<WideDepthwise>(l, in, m_shapes[out], weights.kernel,
                                                            weights.scale, qin.scale,
                                                            qin.zeroPoint, lo, hi);
                step.decoded.resize(m_values[op.inputs[0]].size());
                step.computed.resize(m_values[out].size());
                m_steps.push_back(step);
                continue;
            }
            const size_t channels = in[0];
            check(xnn_create_convolution2d_nhwc_qc8(
                      l.padH, l.padW, l.padH, l.padW, l.kernelH, l.kernelW, l.strideH, l.strideW,
                      l.dilationH, l.dilationW, l.groups, l.inChannels, l.outChannels / l.groups,
                      channels, l.outChannels, qin.zeroPoint, qin.scale, weights.scale.data(),
                      weights.kernel.data(), weights.bias.data(), qout.zeroPoint, qout.scale,
                      outMin, outMax, 0, &xop),
                  i, "creating the convolution");
            step.op = xop;
            m_steps.push_back(step);
            check(xnn_setup_convolution2d_nhwc_qc8(xop, 1, linear ? 1 : in[1], linear ? 1 : in[2],
                                                   m_values[op.inputs[0]].data(),
                                                   m_values[out].data(), m_pool.handle()),
                  i, "setting up the convolution");
            continue;
        }
        case qsm::OpKind::Add: {
            const Quant q2 = m_quant[op.inputs[1]];
            check(xnn_create_add_nd_qs8(qin.zeroPoint, qin.scale, q2.zeroPoint, q2.scale,
                                        qout.zeroPoint, qout.scale, outMin, outMax, 0, &xop),
                  i, "creating the add");
            step.op = xop;
            m_steps.push_back(step);
            const size_t shape[1] = {m_values[out].size()};
            check(xnn_setup_add_nd_qs8(xop, 1, shape, 1, shape, m_values[op.inputs[0]].data(),
                                       m_values[op.inputs[1]].data(), m_values[out].data(),
                                       m_pool.handle()),
                  i, "setting up the add");
            continue;
        }
        case qsm::OpKind::Clamp: {
            m_quant[out] = qin; // a clamp keeps its input's quantization
            const size_t channels = in[0], pixels = m_values[out].size() / channels;
            check(xnn_create_clamp_nc_s8(channels, channels, channels,
                                         code(std::max(op.lo, -1e30f), qin.scale, qin.zeroPoint),
                                         code(std::min(op.hi, 1e30f), qin.scale, qin.zeroPoint),
                                         0, &xop),
                  i, "creating the clamp");
            step.op = xop;
            m_steps.push_back(step);
            check(xnn_setup_clamp_nc_s8(xop, pixels, m_values[op.inputs[0]].data(),
                                        m_values[out].data(), m_pool.handle()),
                  i, "setting up the clamp");
            continue;
        }
        case qsm::OpKind::MaxPool: {
            m_quant[out] = qin;
            if (op.kernelH * op.kernelW == 1) { // every n-th pixel: a copy (the loop below);
                m_steps.push_back(step);         // XNNPACK refuses 1×1 windows
                continue;
            }
            // Ceil mode's last, partial window is more padding below and to the right:
            // XNNPACK's max pooling reads a padded position as the nearest pixel, so padding
            // never wins the max, as in PyTorch.
            const auto &os = m_shapes[out];
            const auto farPad = [](uint32_t outSize, uint32_t stride, uint32_t kernel,
                                   uint32_t inSize, uint32_t pad) {
                const int64_t reach = int64_t(outSize - 1) * stride + kernel - inSize - pad;
                return uint32_t(std::max<int64_t>(reach, pad));
            };
            const uint32_t bottom = farPad(os[1], op.strideH, op.kernelH, in[1], op.padH);
            const uint32_t right = farPad(os[2], op.strideW, op.kernelW, in[2], op.padW);
            check(xnn_create_max_pooling2d_nhwc_s8(op.padH, right, bottom, op.padW, op.kernelH,
                                                   op.kernelW, op.strideH, op.strideW, 1, 1,
                                                   in[0], in[0], in[0], -128, 127, 0, &xop),
                  i, "creating the max pool");
            step.op = xop;
            m_steps.push_back(step);
            check(xnn_setup_max_pooling2d_nhwc_s8(xop, 1, in[1], in[2],
                                                  m_values[op.inputs[0]].data(),
                                                  m_values[out].data(), m_pool.handle()),
                  i, "setting up the max pool");
            continue;
        }
        case qsm::OpKind::GlobalAvgPool:
            check(xnn_create_global_average_pooling_nwc_qs8(
                      in[0], in[0], in[0], qin.zeroPoint, qin.scale, qout.zeroPoint, qout.scale,
                      -128, 127, 0, &xop),
                  i, "creating the global average pool");
            step.op = xop;
            m_steps.push_back(step);
            check(xnn_setup_global_average_pooling_nwc_qs8(
                      xop, 1, size_t(in[1]) * in[2], m_values[op.inputs[0]].data(),
                      m_values[out].data(), m_pool.handle()),
                  i, "setting up the global average pool");
            continue;
        case qsm::OpKind::Flatten:
            m_quant[out] = qin;
            step.transposeFlatten = in.size() == 3 && size_t(in[1]) * in[2] > 1;
            m_steps.push_back(step);
            continue;
        case qsm::OpKind::Mul: {
            const Quant q2 = m_quant[op.inputs[1]];
            check(xnn_create_multiply_nd_qs8(qin.zeroPoint, qin.scale, q2.zeroPoint, q2.scale,
                                             qout.zeroPoint, qout.scale, outMin, outMax, 0,
                                             &xop),
                  i, "creating the multiply");
            step.op = xop;
            m_steps.push_back(step);
            // NHWC: a C×1×1 operand broadcasts over the other's pixels.
            const auto nhwc = [](const qsm::Shape &s) {
                return s.size() == 3 ? std::vector<size_t>{1, s[1], s[2], s[0]}
                                     : std::vector<size_t>{1, s[0]};
            };
            const auto s1 = nhwc(in), s2 = nhwc(m_shapes[op.inputs[1]]);
            check(xnn_setup_multiply_nd_qs8(xop, s1.size(), s1.data(), s2.size(), s2.data(),
                                            m_values[op.inputs[0]].data(),
                                            m_values[op.inputs[1]].data(), m_values[out].data(),
                                            m_pool.handle()),
                  i, "setting up the multiply");
            continue;
        }
        case qsm::OpKind::Activation:
            step.lookup = codeTable(qin, qout, [&](float x) {
                return std::min(std::max(ReferenceKernels::activation(op.function, x), lo), hi);
            });
            m_steps.push_back(std::move(step));
            continue;
        case qsm::OpKind::Resize: {
            // Nearest modes move codes (the loop below); XNNPACK interpolates codes where its
            // steps, the sizes', are the op's; others (1/scale_factor ≠ in/out) are computed in
            // float between the codes.
            const auto &os = m_shapes[out];
            const bool bilinear = op.resizeMode == qsm::ResizeMode::Bilinear;
            const auto sizeStep = [&](uint32_t inSize, uint32_t outSize) {
                return qsm::resizeStep(op.resizeMode, op.alignCorners, inSize, outSize, 0);
            };
            if (!bilinear ||
                (op.stepH == sizeStep(in[1], os[1]) && op.stepW == sizeStep(in[2], os[2]))) {
                m_quant[out] = qin;
                if (bilinear)
                    check(xnn_create_resize_bilinear2d_nhwc_s8(
                              in[0], in[0], in[0], op.alignCorners ? XNN_FLAG_ALIGN_CORNERS : 0,
                              &xop),
                          i, "creating the resize");
                step.op = xop;
                m_steps.push_back(std::move(step));
                if (bilinear)
                    check(xnn_setup_resize_bilinear2d_nhwc_s8(
                              xop, 1, in[1], in[2], os[1], os[2], m_values[op.inputs[0]].data(),
                              m_values[out].data(), m_pool.handle()),
                          i, "setting up the resize");
                continue;
            }
        }
            [[fallthrough]];
        case qsm::OpKind::Softmax: // in float between the codes (the loop below)
        case qsm::OpKind::GroupNorm:
        case qsm::OpKind::LayerNorm:
            step.decoded.resize(m_values[op.inputs[0]].size());
            step.computed.resize(m_values[out].size());
            m_steps.push_back(std::move(step));
            continue;
        case qsm::OpKind::Pad: // codes move; a zero is the zero point's code (the loop below)
            m_quant[out] = qin;
            m_steps.push_back(std::move(step));
            continue;
        case qsm::OpKind::PRelu: // a table per slope
            for (float slope : op.slopes)
                step.tables.push_back(codeTable(qin, qout, [&](float x) {
                    return std::min(std::max(x >= 0.0f ? x : slope * x, lo), hi);
                }));
            m_steps.push_back(std::move(step));
            continue;
        case qsm::OpKind::Concat:
            // An input of the output's quantization (as concatJoinedRanges makes them unless a
            // pool or a clamp passed its own input's on) is copied: no table.
            for (uint32_t v : op.inputs) {
                const bool same = m_quant[v].scale == qout.scale &&
                                  m_quant[v].zeroPoint == qout.zeroPoint;
                step.tables.push_back(
                    same ? std::vector<int8_t>() : codeTable(m_quant[v], qout, [](float x) {
                        return x;
                    }));
            }
            m_steps.push_back(std::move(step));
            continue;
        case qsm::OpKind::ChannelSlice:
        case qsm::OpKind::ChannelShuffle: {
            // Codes move, so the output keeps its input's quantization; XNNPACK's copy with a
            // wider input stride picks a slice, its channel shuffle shuffles.
            m_quant[out] = qin;
            const size_t channels = in[0], pixels = m_values[out].size() / m_shapes[out][0];
            const bool slice = op.kind == qsm::OpKind::ChannelSlice;
            if (slice)
                check(xnn_create_copy_nc_x8(op.count, channels, op.count, 0, &xop), i,
                      "creating the channel slice");
            else
                check(xnn_create_channel_shuffle_nc_x8(op.groups, channels / op.groups, channels,
                                                       channels, 0, &xop),
                      i, "creating the channel shuffle");
            step.op = xop;
            m_steps.push_back(step);
            const int8_t *from = m_values[op.inputs[0]].data() + (slice ? op.first : 0);
            check(slice ? xnn_setup_copy_nc_x8(xop, pixels, from, m_values[out].data(),
                                               m_pool.handle())
                        : xnn_setup_channel_shuffle_nc_x8(xop, pixels, from,
                                                          m_values[out].data(), m_pool.handle()),
                  i, "setting up the channel slice or shuffle");
            continue;
        }
        case qsm::OpKind::ChannelAffine:
            // x = s_in·(q − z_in), y = x·scale + shift, code = y / s_out + z_out.
            for (size_t c = 0; c < op.scale.size(); ++c) {
                step.codeScale.push_back(qin.scale * op.scale[c] / qout.scale);
                step.codeShift.push_back(
                    (op.shift[c] - op.scale[c] * qin.scale * float(qin.zeroPoint)) / qout.scale +
                    float(qout.zeroPoint));
            }
            step.codeMin = outMin;
            step.codeMax = outMax;
            m_steps.push_back(std::move(step));
            continue;
        case qsm::OpKind::AvgPool: {
            // This XNNPACK averages unsigned codes only: a signed code q with zero point z is
            // the unsigned q + 128 with z + 128, its byte with the top bit flipped. It divides
            // padded or partial (ceil mode) windows otherwise than PyTorch.
            const auto &os = m_shapes[out];
            if (op.padH || op.padW || (os[1] - 1) * op.strideH + op.kernelH > in[1] ||
                (os[2] - 1) * op.strideW + op.kernelW > in[2]) {
                // Those (Inception's 3×3 pools at stride 1 over padding, ceil mode): PyTorch's
                // average of the decoded window, coded again (the loop below).
                step.decoded.resize(m_values[op.inputs[0]].size());
                step.computed.resize(m_values[out].size());
                m_steps.push_back(std::move(step));
                continue;
            }
            check(xnn_create_average_pooling2d_nhwc_qu8(
                      0, 0, 0, 0, op.kernelH, op.kernelW, op.strideH, op.strideW, in[0], in[0],
                      in[0], uint8_t(qin.zeroPoint + 128), qin.scale,
                      uint8_t(qout.zeroPoint + 128), qout.scale, 0, 255, 0, &xop),
                  i, "creating the average pool");
            step.op = xop;
            step.unsignedIn.resize(m_values[op.inputs[0]].size());
            step.unsignedOut.resize(m_values[out].size());
            m_steps.push_back(std::move(step));
            auto &added = m_steps.back();
            check(xnn_setup_average_pooling2d_nhwc_qu8(xop, 1, in[1], in[2],
                                                       added.unsignedIn.data(),
                                                       added.unsignedOut.data(), m_pool.handle()),
                  i, "setting up the average pool");
            continue;
        }
        }
        throw qsm::FormatError("int8 backend: op " + std::to_string(i) + " (" +
                               qsm::opKindName(op.kind) + ") has no int8 operator");
    }
    m_output.resize(m_values[m_model.output].size());
}

const std::vector<float> &XnnpackExecutor::run(const float *input)
{
    const auto &s = m_shapes[0];
    const size_t channels = s[0], plane = s.size() == 3 ? size_t(s[1]) * s[2] : 1;
    const Quant q0 = m_quant[0];
    for (size_t c = 0; c < channels; ++c)
        for (size_t i = 0; i < plane; ++i)
            m_values[0][i * channels + c] = code(input[c * plane + i], q0.scale, q0.zeroPoint);
    std::fill(m_opSeconds.begin(), m_opSeconds.end(), 0.0);
    for (auto &step : m_steps) {
        const auto started = std::chrono::steady_clock::now();
        const auto &op = m_model.ops[step.modelOp];
        if (!step.unsignedIn.empty()) { // the average pool, on unsigned codes
            const auto &in = m_values[op.inputs[0]];
            for (size_t k = 0; k < in.size(); ++k)
                step.unsignedIn[k] = uint8_t(in[k]) ^ 0x80u;
            check(xnn_run_operator(step.op, m_pool.handle()), step.modelOp, "running");
            auto &out = m_values[step.output];
            for (size_t k = 0; k < out.size(); ++k)
                out[k] = int8_t(step.unsignedOut[k] ^ 0x80u);
        } else if (step.op) {
            check(xnn_run_operator(step.op, m_pool.handle()), step.modelOp, "running");
        } else if (step.transposeFlatten) { // H×W×C to the C×H×W order flatten means
            const auto &in = m_shapes[op.inputs[0]];
            const size_t c = in[0], p = size_t(in[1]) * in[2];
            for (size_t ch = 0; ch < c; ++ch)
                for (size_t i = 0; i < p; ++i)
                    m_values[op.output][ch * p + i] = m_values[op.inputs[0]][i * c + ch];
        } else if (op.kind == qsm::OpKind::Concat) { // channels last
            auto &out = m_values[op.output];
            const size_t outChannels = m_shapes[op.output][0];
            const size_t pixels = out.size() / outChannels;
            size_t first = 0;
            for (size_t k = 0; k < op.inputs.size(); ++k) {
                const auto &in = m_values[op.inputs[k]];
                const size_t c = m_shapes[op.inputs[k]][0];
                int8_t *to = out.data() + first;
                if (step.tables[k].empty()) {
                    for (size_t p = 0; p < pixels; ++p)
                        std::copy_n(in.data() + p * c, c, to + p * outChannels);
                } else {
                    const int8_t *table = step.tables[k].data() + 128;
                    for (size_t p = 0; p < pixels; ++p)
                        for (size_t ch = 0; ch < c; ++ch)
                            to[p * outChannels + ch] = table[in[p * c + ch]];
                }
                first += c;
            }
        } else if (op.kind == qsm::OpKind::MaxPool) { // 1×1 windows: every n-th pixel's codes
            const auto &in = m_values[op.inputs[0]];
            const auto &is = m_shapes[op.inputs[0]], &os = m_shapes[op.output];
            const size_t channels = is[0];
            for (size_t y = 0; y < os[1]; ++y)
                for (size_t x = 0; x < os[2]; ++x)
                    std::copy_n(in.data() + (y * op.strideH * is[2] + x * op.strideW) * channels,
                                channels, m_values[op.output].data() + (y * os[2] + x) * channels);
        } else if (!step.decoded.empty()) { // a softmax, a pool, a norm, a resize, a wide conv
            const auto &in = m_values[op.inputs[0]];
            const auto &shape = m_shapes[op.inputs[0]];
            const Quant qin = m_quant[op.inputs[0]], qout = m_quant[step.output];
            for (size_t k = 0; k < in.size(); ++k)
                step.decoded[k] = qin.scale * float(int(in[k]) - qin.zeroPoint);
            if (step.wide) {
                step.wide->run(step.decoded.data(), step.computed.data(), m_pool);
            } else if (op.kind == qsm::OpKind::Softmax) {
                ReferenceKernels::softmax(step.decoded.data(), in.size(), op.log != 0,
                                          step.computed.data());
            } else if (op.kind == qsm::OpKind::GroupNorm) {
                ReferenceKernels::groupNormAffine(op, step.decoded.data(), shape, true,
                                                  m_norm);
                const float inf = std::numeric_limits<float>::infinity();
                ChannelsLast::channelAffine(m_norm.affine, step.decoded.data(), shape,
                                            step.computed.data(), -inf, inf);
            } else if (op.kind == qsm::OpKind::LayerNorm) {
                ReferenceKernels::layerNorm(op, step.decoded.data(), shape, true, m_norm,
                                            step.computed.data());
            } else if (op.kind == qsm::OpKind::Resize) {
                ReferenceKernels::resize(op, step.decoded.data(), shape, true,
                                         step.computed.data());
            } else {
                ChannelsLast::pool(op, step.decoded.data(), shape, step.computed.data(),
                                   m_shapes[op.output]);
            }
            for (size_t k = 0; k < step.computed.size(); ++k)
                m_values[step.output][k] = code(step.computed[k], qout.scale, qout.zeroPoint);
        } else if (op.kind == qsm::OpKind::Resize) { // a nearest mode
            ReferenceKernels::resizeNearest(op, m_values[op.inputs[0]].data(),
                                            m_shapes[op.inputs[0]], true,
                                            m_values[op.output].data());
        } else if (op.kind == qsm::OpKind::Pad) {
            ChannelsLast::pad(op, m_values[op.inputs[0]].data(), m_shapes[op.inputs[0]],
                              m_values[op.output].data(), int8_t(m_quant[op.inputs[0]].zeroPoint));
        } else if (op.kind == qsm::OpKind::PRelu) { // channels last: pixel by pixel
            const auto &in = m_values[op.inputs[0]];
            auto &out = m_values[step.output];
            const size_t channels = step.tables.size();
            for (size_t p = 0; p < in.size(); p += channels)
                for (size_t c = 0; c < channels; ++c)
                    out[p + c] = step.tables[c][size_t(in[p + c] + 128)];
        } else if (!step.lookup.empty()) { // activation
            const auto &in = m_values[op.inputs[0]];
            auto &out = m_values[step.output];
            const int8_t *table = step.lookup.data() + 128;
            for (size_t k = 0; k < in.size(); ++k)
                out[k] = table[in[k]];
        } else if (!step.codeScale.empty()) { // channel affine
            affineCodes(m_values[op.inputs[0]].data(), m_values[step.output].data(),
                        m_values[step.output].size(), step);
        } else {
            m_values[op.output] = m_values[op.inputs[0]];
        }
        m_opSeconds[step.modelOp] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    // The output in NCHW order, dequantized.
    const auto &outShape = m_shapes[m_model.output];
    const Quant qo = m_quant[m_model.output];
    const auto &raw = m_values[m_model.output];
    const size_t oc = outShape[0], op = outShape.size() == 3 ? size_t(outShape[1]) * outShape[2] : 1;
    for (size_t c = 0; c < oc; ++c)
        for (size_t i = 0; i < op; ++i)
            m_output[c * op + i] = qo.scale * float(int(raw[i * oc + c]) - qo.zeroPoint);
    return m_output;
}

#else
// Built without XNNPACK (an engine-only build, QUANTSCOPE_XNNPACK=OFF or AUTO without it): the
// int8 backend is refused with the reason, and the other backends run as ever.
XnnpackExecutor::XnnpackExecutor(const qsm::Model &model, const std::vector<ValueRange> &,
                                 size_t threads)
    : m_model(model), m_pool(threads)
{
    throw qsm::FormatError("int8 backend: this build has no XNNPACK (rebuild with "
                           "QUANTSCOPE_XNNPACK=ON and XNNPACK, pthreadpool and cpuinfo installed)");
}

XnnpackExecutor::~XnnpackExecutor() = default;

const std::vector<float> &XnnpackExecutor::run(const float *)
{
    return m_output; // never reached: no executor is ever made
}
#endif

} // namespace quantscope::runtime
