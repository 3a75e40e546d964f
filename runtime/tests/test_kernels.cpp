// SPDX-License-Identifier: MIT
// Every GEMM kernel this CPU can run against the scalar oracle, and every low-bit layer against
// ReferenceKernels::layerQuantized, on odd shapes and every bit-width pair.
#include "check.h"
#include "engine/lowbit_layer.h"
#include "engine/thread_pool.h"
#include "format/model_builder.h"
#include "format/shape_inference.h"
#include "kernels/channels_last.h"
#include "kernels/packed_gemm.h"
#include "kernels/reference/reference_kernels.h"
#include "sample_models.h"

#include <cmath>
#include <random>

using namespace quantscope;
using namespace quantscope::runtime;
using namespace quantscope::runtime::test;

TEST_CASE(everyKernelMatchesTheScalarOracle)
{
    std::mt19937 random(3);
    const auto kernels = PackedGemm::available();
    std::printf("  kernels:");
    for (const auto &k : kernels)
        std::printf(" %s", k.name.c_str());
    std::printf("\n");
    for (size_t n : {1, 5, 16, 17, 33, 64})
        for (size_t k : {1, 3, 9, 27, 100, 1200})
            for (int wbits : {1, 2, 4, 8})
                for (int abits : {1, 2, 4, 8}) {
                    const size_t p = 1 + random() % 23;
                    const int maxA = (1 << abits) - 1, half = 1 << (wbits - 1);
                    std::vector<int8_t> rows(n * k);
                    for (auto &w : rows)
                        w = int8_t(int(random() % (1u << wbits)) - half);
                    const auto b = PackedWeights::pack(rows.data(), n, k);
                    const size_t lda = b.kPadded + 4 * (random() % 2);
                    std::vector<uint8_t> a(p * lda, 0);
                    for (size_t r = 0; r < p; ++r)
                        for (size_t j = 0; j < k; ++j)
                            a[r * lda + j] = uint8_t(random() % (maxA + 1));
                    std::vector<int32_t> expected(p * b.nPadded);
                    const size_t panels = b.nPadded / PackedWeights::kPanel;
                    PackedGemm::scalar(a.data(), p, lda, b, {0, panels}, maxA, expected.data(),
                                       b.nPadded);
                    // The oracle itself against the plain definition, for one entry.
                    int64_t direct = 0;
                    for (size_t j = 0; j < k; ++j)
                        direct += int64_t(a[(p - 1) * lda + j]) * rows[(n - 1) * k + j];
                    CHECK(expected[(p - 1) * b.nPadded + n - 1] == direct);
                    for (const auto &kernel : kernels) {
                        std::vector<int32_t> got(p * b.nPadded, -1);
                        kernel.kernel(a.data(), p, lda, b, {0, panels}, maxA, got.data(),
                                      b.nPadded);
                        bool same = true;
                        for (size_t r = 0; r < p; ++r)
                            for (size_t o = 0; o < n; ++o)
                                same &= got[r * b.nPadded + o] == expected[r * b.nPadded + o];
                        // Only the panels asked for: the others (another thread's) untouched.
                        if (panels > 1) {
                            std::vector<int32_t> part(p * b.nPadded, -1);
                            kernel.kernel(a.data(), p, lda, b, {1, panels}, maxA, part.data(),
                                          b.nPadded);
                            for (size_t r = 0; r < p; ++r)
                                for (size_t o = 0; o < b.nPadded; ++o)
                                    same &= part[r * b.nPadded + o] ==
                                            (o < PackedWeights::kPanel ? -1
                                                                       : got[r * b.nPadded + o]);
                        }
                        CHECK_MSG(same, kernel.name + " differs at n=" + std::to_string(n) +
                                            " k=" + std::to_string(k) + " W" +
                                            std::to_string(wbits) + "A" + std::to_string(abits));
                    }
                }
}

TEST_CASE(indirectKernelsMatchTheirRowsCopiedOut)
{
    std::mt19937 random(5);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    const size_t pixels = 40, pixelStride = 24;
    std::vector<uint8_t> image(pixels * pixelStride + PackedWeights::kGroup);
    for (auto &u : image)
        u = uint8_t(random());
    for (size_t n : {7, 16, 40, 64})
        for (size_t tapBytes : {4, 8, 24})
            for (size_t taps : {1, 3, 9}) {
                const size_t k = taps * tapBytes, p = 1 + random() % 21;
                std::vector<int8_t> rows(n * k);
                for (auto &w : rows)
                    w = int8_t(random());
                const auto b = PackedWeights::pack(rows.data(), n, k);
                std::vector<uint32_t> starts(p * taps);
                for (auto &pixel : starts)
                    pixel = uint32_t(random() % pixels);
                // The plain product, each row copied out of the image.
                std::vector<uint8_t> a(p * k);
                for (size_t r = 0; r < p; ++r)
                    for (size_t t = 0; t < taps; ++t)
                        std::copy_n(image.begin() + starts[r * taps + t] * pixelStride, tapBytes,
                                    a.begin() + r * k + t * tapBytes);
                const size_t panels = b.nPadded / PackedWeights::kPanel;
                std::vector<int32_t> sums(p * b.nPadded);
                PackedGemm::scalar(a.data(), p, k, b, {0, panels}, 255, sums.data(), b.nPadded);
                // An epilogue with every term in play: two row classes, a clamp that bites.
                std::vector<int32_t> colSums(p);
                std::vector<uint32_t> rowClass(p);
                for (size_t r = 0; r < p; ++r) {
                    colSums[r] = int32_t(random() % 5000);
                    rowClass[r] = uint32_t(random() % 2);
                }
                std::vector<float> padding(2 * n), scale(n), perColumnSum(n), bias(n);
                for (auto *v : {&padding, &scale, &perColumnSum, &bias})
                    for (auto &x : *v)
                        x = uniform(random);
                std::vector<float> expected(p * n, -7.0f);
                GemmEpilogue epilogue{colSums.data(), rowClass.data(), padding.data(), n,
                                      scale.data(), perColumnSum.data(), bias.data(), -5000.0f,
                                      5000.0f, expected.data(), n};
                for (size_t r = 0; r < p; ++r)
                    for (size_t o = 0; o < n; ++o)
                        expected[r * n + o] = epilogue.apply(sums[r * b.nPadded + o], r, o);
                const TapRows tapRows{image.data(), starts.data(), pixelStride, taps, tapBytes};
                for (const auto &kernel : PackedGemm::available()) {
                    if (!kernel.indirect)
                        continue;
                    for (const PanelRange range :
                         {PanelRange{0, panels}, PanelRange{panels / 2, panels}}) {
                        std::vector<float> got(p * n, -7.0f);
                        epilogue.out = got.data();
                        kernel.indirect(tapRows, p, b, range, epilogue);
                        float worst = 0;
                        for (size_t r = 0; r < p; ++r)
                            for (size_t o = 0; o < n; ++o) {
                                const bool asked = o >= range.begin * PackedWeights::kPanel;
                                const float want = asked ? expected[r * n + o] : -7.0f;
                                worst = std::max(worst, std::fabs(got[r * n + o] - want) /
                                                            std::max(1.0f, std::fabs(want)));
                            }
                        // Float rounding only: the kernels may fuse the multiply-adds.
                        CHECK_MSG(worst <= 1e-5f, kernel.name + " (indirect) differs at n=" +
                                                      std::to_string(n) + " taps=" +
                                                      std::to_string(taps) + " × " +
                                                      std::to_string(tapBytes) + " bytes by " +
                                                      std::to_string(worst));
                    }
                }
            }
}

namespace {

// The one layer of `model`, reading the input (flattened for a linear layer), run both ways on
// one thread and on two; the low-bit layer reads and writes maps channels last.
void compareLayer(const qsm::Model &model, const std::string &what)
{
    const auto shapes = qsm::ShapeInference::infer(model);
    const auto &op = model.ops.back();
    const auto &layer = model.layers[op.layer];
    const auto input = randomInput(model, 5);
    std::vector<float> expected(qsm::ShapeInference::elements(shapes[op.output]));
    const auto &inShape = shapes[op.inputs[0]];
    ReferenceKernels::layerQuantized(layer, input.data(), inShape, expected.data(),
                                     shapes[op.output]);
    float scale = 0;
    for (float v : expected)
        scale = std::max(scale, std::fabs(v));
    const auto &outShape = shapes[op.output];
    std::vector<float> inputLast(input);
    if (inShape.size() == 3)
        ChannelsLast::fromChannelsFirst(input.data(), inShape, inputLast.data());
    for (const auto &kernel : PackedGemm::available())
        for (size_t threads : {1, 2}) {
            ThreadPool pool(threads);
            LowBitLayer lowBit(layer, inShape, shapes[op.output], kernel);
            std::vector<float> gotLast(expected.size()), got(gotLast);
            lowBit.run(inputLast.data(), gotLast.data(), pool);
            if (outShape.size() == 3)
                ChannelsLast::toChannelsFirst(gotLast.data(), outShape, got.data());
            else
                got = gotLast;
            float worst = 0;
            for (size_t i = 0; i < got.size(); ++i)
                worst = std::max(worst, std::fabs(got[i] - expected[i]));
            CHECK_MSG(worst <= 1e-5f * std::max(scale, 1.0f),
                      what + " on " + kernel.name + ", " + std::to_string(threads) +
                          " thread(s): off by " + std::to_string(worst) + " of " +
                          std::to_string(scale));
        }
}

} // namespace

TEST_CASE(lowBitLayersMatchTheOracle)
{
    struct Shape
    {
        const char *name;
        uint32_t in, out, kernel, stride, pad, groups, dilation, size;
    };
    const Shape shapes[] = {
        {"3×3", 5, 17, 3, 1, 1, 1, 1, 9},          {"3×3 stride 2", 17, 33, 3, 2, 1, 1, 1, 12},
        {"1×1", 33, 7, 1, 1, 0, 1, 1, 5},          {"depthwise", 19, 19, 3, 1, 1, 19, 1, 8},
        {"depthwise stride 2", 8, 8, 3, 2, 1, 8, 1, 11},
        {"grouped dilated", 12, 20, 3, 1, 2, 4, 2, 10},
        {"7×7 stride 2 pad 3", 3, 16, 7, 2, 3, 1, 1, 15},
        {"3×3, channels in whole steps", 64, 40, 3, 1, 1, 1, 1, 7},
        {"grouped, whole steps per group", 16, 24, 3, 2, 1, 2, 1, 9},
        {"dilated", 8, 8, 3, 1, 2, 1, 2, 9},
    };
    for (const auto &s : shapes)
        for (uint32_t wbits : {1u, 2u, 3u, 4u, 8u})
            for (uint32_t abits : {1u, 2u, 4u, 8u})
                for (float zeroPoint : {0.0f, 0.37f}) {
                    qsm::ModelBuilder b(s.in, s.size, s.size, wbits * 10 + abits);
                    const auto out = b.conv(qsm::ModelBuilder::kInput, s.out, s.kernel, s.stride,
                                            s.pad, s.groups,
                                            qsm::LayerBits{wbits, abits, zeroPoint, abits > 1},
                                            s.dilation);
                    compareLayer(b.build(out), std::string(s.name) + " W" +
                                                   std::to_string(wbits) + "A" +
                                                   std::to_string(abits));
                }
    for (uint32_t wbits : {1u, 2u, 8u}) {
        qsm::ModelBuilder b(37, 1, 1, 9);
        const auto flat = b.flatten(qsm::ModelBuilder::kInput);
        compareLayer(b.build(b.linear(flat, 11, qsm::LayerBits{wbits, 4, 0.5f, false})),
                     "linear W" + std::to_string(wbits));
    }
}

int main()
{
    return runAll();
}
