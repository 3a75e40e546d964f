// SPDX-License-Identifier: MIT
// XnnpackExecutor: the int8 baseline — the model as a user would otherwise ship it: weights
// symmetric int8 per output channel (XNNPACK's QC8 convolution; a linear layer is a 1×1
// convolution of a 1×1 image), activations int8 per tensor from calibrated ranges, NHWC, a clamp
// after a conv or an add fused into it. Operators are created and set up once, at load.
#pragma once

#include "format/qsm_model.h"
#include "format/shape_inference.h"
#include "thread_pool.h"

#include <vector>

struct xnn_operator;

namespace quantscope::runtime {

struct ValueRange
{
    float min = 0, max = 0;
};

class XnnpackExecutor
{
public:
    // ranges: per value of the model, what an fp32 run saw (calibrationRanges()). Throws
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
    // Each value's range over fp32 runs of these inputs (normalised C×H×W images).
    static std::vector<ValueRange> calibrationRanges(const qsm::Model &model,
                                                     const std::vector<std::vector<float>> &inputs);

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
        // Ops without an int8 operator in this XNNPACK map each code through a table of 256:
        // concat per input (its codes requantized to the output's, so inputs of different
        // ranges join without going through float), the channel affine per channel (the
        // affine, a fused clamp and the requantization in one lookup).
        std::vector<std::vector<int8_t>> tables;
        size_t output = 0; // the value it writes: a fused clamp's output
    };

    static Quant quantFor(const ValueRange &range);
    // f applied to each int8 code's value, as a code of `out`.
    template <typename F> static std::vector<int8_t> codeTable(Quant in, Quant out, F f);
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
};

} // namespace quantscope::runtime
