// SPDX-License-Identifier: MIT
// XnnpackExecutor: the int8 baseline — the model as a user would otherwise ship it: weights
// symmetric int8 per output channel (XNNPACK's QC8 convolution; a linear layer is a 1×1
// convolution of a 1×1 image), activations int8 per tensor from calibrated ranges, NHWC, a clamp
// after a conv or an add fused into it. Operators are created and set up once, at load. A
// depthwise conv of a window wider than XNNPACK's depthwise kernels take runs on the same int8
// weights and codes through our depthwise kernel (WideDepthwise).
#pragma once

#include "format/qsm_model.h"
#include "format/shape_inference.h"
#include "kernels/reference/reference_kernels.h"
#include "thread_pool.h"
#include "value_ranges.h"
#include "wide_depthwise.h"

#include <memory>
#include <vector>

struct xnn_operator;

namespace quantscope::runtime {

class XnnpackExecutor
{
public:
    // ranges: per value of the model, what an fp32 run saw (ValueRanges::calibrate). Throws
    // qsm::FormatError naming an op XNNPACK's int8 operators cannot run.
    XnnpackExecutor(const qsm::Model &model, const std::vector<ValueRange> &ranges,
                    size_t threads = 1);
    ~XnnpackExecutor();
    XnnpackExecutor(const XnnpackExecutor &) = delete;
    XnnpackExecutor &operator=(const XnnpackExecutor &) = delete;

    // One image, normalised, C×H×W floats; returns the output dequantized.
    const std::vector<float> &run(const float *input);
    const std::vector<double> &opSeconds() const { return m_opSeconds; }

    // False in a build without XNNPACK, whose executors refuse to be made.
    static bool available();

private:
    struct Quant
    {
        float scale = 1;
        int8_t zeroPoint = 0;
    };
    struct Step
    {
        xnn_operator *op = nullptr; // null: our own loop (flatten, concat, affine) or fused away
        size_t modelOp = 0;
        bool transposeFlatten = false;
        // Ops without an int8 operator in this XNNPACK: concat maps each input's codes through
        // a table of 256 to the output's (none where they agree); the activation one table
        // (with a fused clamp and the requantization in the one lookup), the prelu one per
        // slope (each channel its own, or one for all); the channel affine is
        // a·q + b per channel on the codes, a vectorised requantization.
        std::vector<std::vector<int8_t>> tables;
        std::vector<int8_t> lookup;
        std::vector<float> codeScale, codeShift;
        int8_t codeMin = -128, codeMax = 127;
        size_t output = 0; // the value it writes: a fused clamp's output
        // The average pool's operands as unsigned codes (XNNPACK's only int8 average pooling).
        std::vector<uint8_t> unsignedIn, unsignedOut;
        // An op computed in float between the codes (a softmax, an average pool over padding, a
        // group or layer norm, a bilinear resize, a wide depthwise conv): its input decoded, its
        // output before coding.
        std::vector<float> decoded, computed;
        // A depthwise conv of a window wider than XNNPACK's kernels take, on our kernel.
        std::shared_ptr<WideDepthwise> wide;
    };

    static Quant quantFor(const ValueRange &range);
    // f applied to each int8 code's value, as a code of `out`.
    template <typename F> static std::vector<int8_t> codeTable(Quant in, Quant out, F f);
    static void affineCodes(const int8_t *in, int8_t *out, size_t n, const Step &step);
    void createSteps();
    void check(int status, size_t op, const char *what) const;

    const qsm::Model &m_model;
    ThreadPool m_pool;
    std::vector<qsm::Shape> m_shapes;
    std::vector<Quant> m_quant;                 // per value
    std::vector<std::vector<int8_t>> m_values;  // per value, NHWC
    std::vector<Step> m_steps;
    std::vector<float> m_output;
    std::vector<double> m_opSeconds;
    ReferenceKernels::NormScratch m_norm; // a norm's statistics, for the image at hand
};

} // namespace quantscope::runtime
