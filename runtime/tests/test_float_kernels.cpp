// SPDX-License-Identifier: MIT
// The float kernels between the layers against PyTorch's definitions in double: the group
// norm's per-image affine, the layer norm and the resize (each the same bits in either layout),
// the vectorised e^x and the smooth activations built on it.
#include "check.h"
#include "format/qsm_model.h"
#include "kernels/channels_last.h"
#include "kernels/reference/reference_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace quantscope;
using namespace quantscope::runtime;
using namespace quantscope::runtime::test;

TEST_CASE(groupNormIsPyTorchsInEitherLayout)
{
    // Three groups of two channels on a 5×7 map, values around 100 (where E[x²] − μ² would
    // cancel): (x − μ)/√(σ² + ε)·γ + β in double, the biased σ² of each group; then the same
    // in channels last, to the bit.
    const qsm::Shape shape{6, 5, 7};
    const size_t C = 6, plane = 35;
    std::mt19937 random(3);
    std::normal_distribution<float> value(100.0f, 2.0f), factor(0.0f, 1.0f);
    std::vector<float> in(C * plane);
    for (auto &x : in)
        x = value(random);
    qsm::Op op;
    op.kind = qsm::OpKind::GroupNorm;
    op.groups = 3;
    op.epsilon = 1e-5f;
    for (size_t c = 0; c < C; ++c) {
        op.scale.push_back(factor(random));
        op.shift.push_back(factor(random));
    }
    ReferenceKernels::NormScratch norm;
    ReferenceKernels::groupNormAffine(op, in.data(), shape, false, norm);
    std::vector<float> out(in.size());
    const float inf = std::numeric_limits<float>::infinity();
    ReferenceKernels::channelAffine(norm.affine, in.data(), shape, out.data(), -inf, inf);
    float worst = 0;
    for (size_t g = 0; g < 3; ++g) {
        const auto first = in.begin() + long(2 * g * plane), end = first + long(2 * plane);
        const double mean = std::accumulate(first, end, 0.0) / double(2 * plane);
        double squares = 0;
        for (auto x = first; x != end; ++x)
            squares += (*x - mean) * (*x - mean);
        const double r = 1.0 / std::sqrt(squares / double(2 * plane) + 1e-5);
        for (size_t k = 2 * g * plane; k < 2 * (g + 1) * plane; ++k) {
            const size_t c = k / plane;
            const double y = (in[k] - mean) * r * op.scale[c] + op.shift[c];
            worst = std::max(worst, float(std::fabs(out[k] - y)));
        }
    }
    CHECK_MSG(worst < 1e-4f, "off by " + std::to_string(worst));

    std::vector<float> inLast(in.size()), outLast(in.size()), back(in.size());
    ChannelsLast::fromChannelsFirst(in.data(), shape, inLast.data());
    ReferenceKernels::groupNormAffine(op, inLast.data(), shape, true, norm);
    ChannelsLast::channelAffine(norm.affine, inLast.data(), shape, outLast.data(), -inf, inf);
    ChannelsLast::toChannelsFirst(outLast.data(), shape, back.data());
    CHECK(back == out);
}

TEST_CASE(layerNormIsPyTorchsInEitherLayout)
{
    // Each pixel of a 6-channel 5×7 map normalised over its channels, values around 100: (x −
    // μ)/√(σ² + ε)·γ + β in double; then the same in channels last, to the bit; then a vector,
    // one "pixel" of all its features.
    std::mt19937 random(5);
    std::normal_distribution<float> value(100.0f, 2.0f), factor(0.0f, 1.0f);
    for (const qsm::Shape &shape : {qsm::Shape{6, 5, 7}, qsm::Shape{12}}) {
        const size_t C = shape[0], plane = shape.size() == 3 ? size_t(shape[1]) * shape[2] : 1;
        std::vector<float> in(C * plane);
        for (auto &x : in)
            x = value(random);
        qsm::Op op;
        op.kind = qsm::OpKind::LayerNorm;
        op.epsilon = 1e-6f;
        for (size_t c = 0; c < C; ++c) {
            op.scale.push_back(factor(random));
            op.shift.push_back(factor(random));
        }
        ReferenceKernels::NormScratch scratch;
        std::vector<float> out(in.size());
        ReferenceKernels::layerNorm(op, in.data(), shape, false, scratch, out.data());
        float worst = 0;
        for (size_t p = 0; p < plane; ++p) {
            double mean = 0, squares = 0;
            for (size_t c = 0; c < C; ++c)
                mean += in[c * plane + p] / double(C);
            for (size_t c = 0; c < C; ++c)
                squares += (in[c * plane + p] - mean) * (in[c * plane + p] - mean);
            const double r = 1.0 / std::sqrt(squares / double(C) + 1e-6);
            for (size_t c = 0; c < C; ++c) {
                const double y = (in[c * plane + p] - mean) * r * op.scale[c] + op.shift[c];
                worst = std::max(worst, float(std::fabs(out[c * plane + p] - y)));
            }
        }
        CHECK_MSG(worst < 1e-5f, "off by " + std::to_string(worst));
        if (shape.size() != 3)
            continue;
        std::vector<float> inLast(in.size()), outLast(in.size()), back(in.size());
        ChannelsLast::fromChannelsFirst(in.data(), shape, inLast.data());
        ReferenceKernels::layerNorm(op, inLast.data(), shape, true, scratch, outLast.data());
        ChannelsLast::toChannelsFirst(outLast.data(), shape, back.data());
        CHECK(back == out);
    }
}

TEST_CASE(resizeIsPyTorchsInEitherLayout)
{
    // F.interpolate of the 2×3 map [0 1 2; 3 5 8] in each mode, by size and by scale factor
    // (whose step 1/s need not be in/out: ×1.5 of 3 columns is 4 columns 2/3 apart), against
    // PyTorch's own outputs; then each in channels last with a second channel, to the bit.
    using M = qsm::ResizeMode;
    struct Case
    {
        M mode;
        bool alignCorners;
        uint32_t outH, outW;
        double factor; // 0: by size
        std::vector<float> expected;
    };
    const std::vector<Case> cases = {
        {M::Bilinear, false, 4, 5, 0,
         {0, 0.4f, 1, 1.6f, 2, 0.75f, 1.25f, 2, 2.9f, 3.5f, 2.25f, 2.95f, 4, 5.5f, 6.5f, 3, 3.8f,
          5, 6.8f, 8}},
        {M::Bilinear, true, 3, 4, 0,
         {0, 0.666667f, 1.333333f, 2, 1.5f, 2.5f, 3.666667f, 5, 3, 4.333333f, 6, 8}},
        {M::Bilinear, false, 3, 4, 1.5,
         {0, 0.5f, 1.166667f, 1.833333f, 1.5f, 2.25f, 3.333333f, 4.666667f, 3, 4, 5.5f, 7.5f}},
        {M::Nearest, false, 3, 4, 1.5, {0, 0, 1, 2, 0, 0, 1, 2, 3, 3, 5, 8}},
        {M::Nearest, false, 3, 5, 0, {0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 3, 3, 5, 5, 8}},
        {M::NearestExact, false, 3, 5, 0, {0, 0, 1, 2, 2, 3, 3, 5, 8, 8, 3, 3, 5, 8, 8}},
        {M::NearestExact, false, 1, 1, 0.5, {5}},
    };
    const std::vector<float> in = {0, 1, 2, 3, 5, 8};
    for (const auto &c : cases) {
        qsm::Op op;
        op.kind = qsm::OpKind::Resize;
        op.resizeMode = c.mode;
        op.alignCorners = c.alignCorners;
        op.outHeight = c.outH, op.outWidth = c.outW;
        op.stepH = qsm::resizeStep(c.mode, c.alignCorners, 2, c.outH, c.factor);
        op.stepW = qsm::resizeStep(c.mode, c.alignCorners, 3, c.outW, c.factor);
        std::vector<float> out(c.expected.size());
        ReferenceKernels::resize(op, in.data(), {1, 2, 3}, false, out.data());
        float worst = 0;
        for (size_t i = 0; i < out.size(); ++i)
            worst = std::max(worst, std::fabs(out[i] - c.expected[i]));
        CHECK_MSG(worst < 1e-6f, std::to_string(c.outH) + "×" + std::to_string(c.outW) +
                                     " mode " + std::to_string(int(c.mode)) + ": off by " +
                                     std::to_string(worst));

        const qsm::Shape two{2, 2, 3}, outShape{2, c.outH, c.outW};
        std::vector<float> both = in;
        for (float x : in)
            both.push_back(x * -0.37f + 1.0f);
        std::vector<float> inLast(both.size()), first(2 * out.size()), last(first.size()),
            back(first.size());
        ReferenceKernels::resize(op, both.data(), two, false, first.data());
        ChannelsLast::fromChannelsFirst(both.data(), two, inLast.data());
        ReferenceKernels::resize(op, inLast.data(), two, true, last.data());
        ChannelsLast::toChannelsFirst(last.data(), outShape, back.data());
        CHECK(back == first);
    }
}

TEST_CASE(fastExpIsWithinAFewUlp)
{
    // The activations' e^x against the library's over the range where it does not saturate,
    // and the activations built on it against their double-precision definitions.
    float worst = 0;
    for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
        const double exact = std::exp(double(x));
        worst = std::max(worst, float(std::fabs(ReferenceKernels::exp(x) - exact) / exact));
    }
    CHECK_MSG(worst < 4 * std::numeric_limits<float>::epsilon(),
              "relative error " + std::to_string(worst));
    using F = qsm::ActivationFunction;
    for (float x = -20.0f; x <= 20.0f; x += 0.01f) {
        const double sigmoid = 1.0 / (1.0 + std::exp(-double(x)));
        const double hard = std::min(std::max(double(x) + 3.0, 0.0), 6.0) / 6.0;
        CHECK(std::fabs(ReferenceKernels::activation(F::Sigmoid, x) - sigmoid) < 1e-6);
        CHECK(std::fabs(ReferenceKernels::activation(F::SiLU, x) - x * sigmoid) < 1e-5);
        CHECK(std::fabs(ReferenceKernels::activation(F::HardSigmoid, x) - hard) < 1e-6);
        CHECK(std::fabs(ReferenceKernels::activation(F::HardSwish, x) - x * hard) < 1e-5);
    }
    CHECK(ReferenceKernels::activation(F::Sigmoid, -200.0f) < 1e-37f); // e^200 saturates
    CHECK(ReferenceKernels::activation(F::SiLU, 200.0f) == 200.0f);
    // GELU (both forms), ELU, tanh, softplus (x itself above 20, PyTorch's threshold) and mish,
    // as PyTorch defines them.
    for (float x = -30.0f; x <= 30.0f; x += 0.01f) {
        const double softplus = x > 20.0f ? x : std::log1p(std::exp(double(x)));
        const double tolerance = 1e-6 * std::max(1.0, std::fabs(double(x)));
        const double gelu = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        const double geluTanh =
            0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
        CHECK(std::fabs(ReferenceKernels::activation(F::GELU, x) - gelu) < tolerance);
        CHECK(std::fabs(ReferenceKernels::activation(F::GELUTanh, x) - geluTanh) < tolerance);
        CHECK(std::fabs(ReferenceKernels::activation(F::ELU, x) -
                        (x > 0.0f ? x : std::expm1(double(x)))) < tolerance);
        CHECK(std::fabs(ReferenceKernels::activation(F::Tanh, x) - std::tanh(double(x))) < 1e-6);
        CHECK(std::fabs(ReferenceKernels::activation(F::Softplus, x) - softplus) < tolerance);
        CHECK(std::fabs(ReferenceKernels::activation(F::Mish, x) -
                        x * std::tanh(std::log1p(std::exp(double(x))))) < tolerance);
    }
    CHECK(ReferenceKernels::activation(F::Softplus, 200.0f) == 200.0f);
    CHECK(ReferenceKernels::activation(F::Mish, 200.0f) == 200.0f);
    CHECK(std::fabs(ReferenceKernels::activation(F::Mish, -200.0f)) < 1e-30f);
}

int main()
{
    return runAll();
}
