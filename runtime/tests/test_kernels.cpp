// SPDX-License-Identifier: MIT
// Every GEMM kernel this CPU can run against the scalar oracle, and every low-bit layer against
// ReferenceKernels::layerQuantized, on odd shapes and every bit-width pair; the activation
// coder's rounding against the simulation's. The depthwise kernel: test_depthwise.cpp.
#include "check.h"
#include "engine/lowbit_layer.h"
#include "engine/thread_pool.h"
#include "format/model_builder.h"
#include "format/shape_inference.h"
#include "kernels/bit_plane_gemm.h"
#include "kernels/channels_last.h"
#include "kernels/packed_gemm.h"
#include "kernels/reference/reference_kernels.h"
#include "sample_models.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

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

namespace {

// An epilogue with every term in play for p rows × n columns: random constants, row classes of
// two kinds, the given column sums; `apply` writes the expected outputs of the sums.
struct RandomEpilogue
{
    std::vector<int32_t> colSums;
    std::vector<uint32_t> rowClass;
    std::vector<float> padding, scale, perColumnSum, bias;
    GemmEpilogue epilogue;

    RandomEpilogue(std::mt19937 &random, std::vector<int32_t> sums, size_t n, float clamp)
        : colSums(std::move(sums)), rowClass(colSums.size()), padding(2 * n), scale(n),
          perColumnSum(n), bias(n)
    {
        std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
        for (auto &c : rowClass)
            c = uint32_t(random() % 2);
        for (auto *v : {&padding, &scale, &perColumnSum, &bias})
            for (auto &x : *v)
                x = uniform(random);
        epilogue = {colSums.data(), rowClass.data(), padding.data(), n, scale.data(),
                    perColumnSum.data(), bias.data(), -clamp, clamp, nullptr, n, nullptr,
                    ActivationCoder()};
    }
};

// The largest difference between what `run` writes into p × n outputs (pre-filled with −7) and
// `expected`, for the columns of `range`, relative to the largest expected output (float
// rounding of sums that cancel is relative to their terms, not to their result); the columns
// before the range must stay −7.
template <typename Run>
float worstOver(PanelRange range, size_t p, size_t n, const std::vector<float> &expected, Run run)
{
    std::vector<float> got(p * n, -7.0f);
    run(got.data());
    float worst = 0, scale = 1;
    for (float v : expected)
        scale = std::max(scale, std::fabs(v));
    for (size_t r = 0; r < p; ++r)
        for (size_t o = 0; o < n; ++o) {
            const bool asked = o >= range.begin * PackedWeights::kPanel;
            const float want = asked ? expected[r * n + o] : -7.0f;
            worst = std::max(worst, std::fabs(got[r * n + o] - want) / scale);
        }
    return worst;
}

} // namespace

TEST_CASE(indirectKernelsMatchTheirRowsCopiedOut)
{
    std::mt19937 random(5);
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
                // A clamp that bites.
                std::vector<int32_t> colSums(p);
                for (auto &c : colSums)
                    c = int32_t(random() % 5000);
                RandomEpilogue fixture(random, colSums, n, 5000.0f);
                auto &epilogue = fixture.epilogue;
                std::vector<float> expected(p * n);
                for (size_t r = 0; r < p; ++r)
                    for (size_t o = 0; o < n; ++o)
                        expected[r * n + o] = epilogue.apply(sums[r * b.nPadded + o], r, o);
                const TapRows tapRows{image.data(), starts.data(), pixelStride, taps, tapBytes};
                for (const auto &kernel : PackedGemm::available()) {
                    if (!kernel.indirect)
                        continue;
                    for (const PanelRange range :
                         {PanelRange{0, panels}, PanelRange{panels / 2, panels}}) {
                        const float worst = worstOver(range, p, n, expected, [&](float *out) {
                            epilogue.out = out;
                            kernel.indirect(tapRows, p, b, range, epilogue);
                        });
                        // Float rounding only: the kernels may fuse the multiply-adds.
                        CHECK_MSG(worst <= 1e-5f, kernel.name + " (indirect) differs at n=" +
                                                      std::to_string(n) + " taps=" +
                                                      std::to_string(taps) + " × " +
                                                      std::to_string(tapBytes) + " bytes by " +
                                                      std::to_string(worst));
                    }
                    // Coded for the layers that read the outputs: the codes of the floats the
                    // kernel writes, under a 4-bit signed grid and an 8-bit one whose zero point
                    // is off it.
                    std::vector<float> floats(p * n);
                    epilogue.out = floats.data();
                    kernel.indirect(tapRows, p, b, {0, panels}, epilogue);
                    const auto grid = [](float scale, float zero, float lo, float hi) {
                        ActivationCoder c;
                        c.scale = scale, c.zero = zero, c.lo = lo, c.hi = hi;
                        return c;
                    };
                    for (const ActivationCoder &coder :
                         {grid(613.7f, 3.0f, -8.0f, 7.0f), grid(41.3f, 127.5f, 0.0f, 255.0f)}) {
                        std::vector<uint8_t> codes(p * n);
                        GemmEpilogue coding = epilogue;
                        coding.out = nullptr;
                        coding.codes = codes.data();
                        coding.coder = coder;
                        kernel.indirect(tapRows, p, b, {0, panels}, coding);
                        size_t same = 0;
                        for (size_t i = 0; i < codes.size(); ++i)
                            same += codes[i] == coder.code(floats[i]);
                        CHECK_MSG(same == codes.size(),
                                  kernel.name + " (indirect) coded " +
                                      std::to_string(codes.size() - same) + " of " +
                                      std::to_string(codes.size()) + " outputs otherwise");
                    }
                }
            }
}

TEST_CASE(bitPlaneKernelsMatchTheByteProduct)
{
    std::mt19937 random(9);
    const size_t pixels = 30, channels = 128, words = channels / 64;
    for (int wbits : {1, 2})
        for (int abits : {1, 2})
            for (size_t n : {8, 24, 40})
                for (size_t runs : {1, 3}) {
                    // Codes of a small image, and the same codes as bit-planes.
                    std::vector<uint8_t> codes(pixels * channels);
                    for (auto &u : codes)
                        u = uint8_t(random() % (1u << abits));
                    const size_t runChunks = 1 + random() % words, p = 1 + random() % 11;
                    const size_t k = runs * runChunks * 64;
                    std::vector<int8_t> rows(n * k);
                    for (auto &w : rows)
                        w = int8_t(int(random() % (1u << wbits)) - (1 << (wbits - 1)));
                    std::vector<uint32_t> starts(p * runs);
                    for (auto &pixel : starts)
                        pixel = uint32_t(random() % (pixels - 1));
                    // The byte product and its epilogue, the definition.
                    std::vector<uint8_t> a(p * k);
                    std::vector<int32_t> colSums(p, 0);
                    for (size_t r = 0; r < p; ++r)
                        for (size_t t = 0; t < runs; ++t)
                            for (size_t j = 0; j < runChunks * 64; ++j) {
                                a[r * k + t * runChunks * 64 + j] =
                                    codes[starts[r * runs + t] * channels + j];
                                colSums[r] += codes[starts[r * runs + t] * channels + j];
                            }
                    const auto packed = PackedWeights::pack(rows.data(), n, k);
                    std::vector<int32_t> sums(p * packed.nPadded);
                    PackedGemm::scalar(a.data(), p, k, packed,
                                       {0, packed.nPadded / PackedWeights::kPanel}, 255,
                                       sums.data(), packed.nPadded);
                    RandomEpilogue fixture(random, colSums, n, 1e9f);
                    auto &epilogue = fixture.epilogue;
                    std::vector<float> expected(p * n);
                    for (size_t r = 0; r < p; ++r)
                        for (size_t o = 0; o < n; ++o)
                            expected[r * n + o] =
                                epilogue.apply(sums[r * packed.nPadded + o], r, o);
                    const auto weights = BitPlaneWeights::pack(rows.data(), n, k, wbits);
                    for (const auto &kernel : BitPlaneGemm::available()) {
                        std::vector<uint64_t> image(pixels * words * size_t(abits));
                        kernel.toPlanes(codes.data(), codes.size(), abits, image.data());
                        const BitPlaneRows planeRows{image.data(), starts.data(), words, runs,
                                                     runChunks, abits};
                        const size_t panels = packed.nPadded / PackedWeights::kPanel;
                        for (const PanelRange range :
                             {PanelRange{0, panels}, PanelRange{panels / 2, panels}}) {
                            const float worst = worstOver(range, p, n, expected, [&](float *out) {
                                epilogue.out = out;
                                kernel.kernel(planeRows, p, weights, range, epilogue);
                            });
                            CHECK_MSG(worst <= 1e-5f,
                                      kernel.name + " differs at W" + std::to_string(wbits) +
                                          "A" + std::to_string(abits) + " n=" +
                                          std::to_string(n) + " runs=" + std::to_string(runs) +
                                          " by " + std::to_string(worst));
                        }
                    }
                }
}

// The largest sums a bit-serial kernel can meet: codes and weights at their maximum along a k
// long enough that narrow partial sums (int16 in the NEON kernel) must be folded on the way.
TEST_CASE(bitPlaneKernelsHoldTheLargestSums)
{
    const size_t n = 8, p = 4, chunks = 500, k = chunks * 64;
    const std::vector<uint8_t> codes(k, 3);
    const std::vector<int8_t> rows(n * k, 1); // the largest 2-bit code
    const std::vector<uint32_t> starts(p, 0);
    const std::vector<int32_t> colSums(p, int32_t(3 * k));
    const std::vector<uint32_t> rowClass(p, 0);
    const std::vector<float> zeros(n, 0.0f), ones(n, 1.0f);
    const float inf = std::numeric_limits<float>::infinity();
    const auto weights = BitPlaneWeights::pack(rows.data(), n, k, 2);
    for (const auto &kernel : BitPlaneGemm::available()) {
        std::vector<uint64_t> image(chunks * 2);
        kernel.toPlanes(codes.data(), k, 2, image.data());
        std::vector<float> out(p * n, -7.0f);
        const GemmEpilogue identity{colSums.data(), rowClass.data(), zeros.data(), n,
                                    ones.data(),    zeros.data(),    zeros.data(), -inf,
                                    inf,            out.data(),      n,            nullptr,
                                    ActivationCoder()};
        kernel.kernel({image.data(), starts.data(), chunks, 1, chunks, 2}, p, weights, {0, 1},
                      identity);
        for (float y : out)
            CHECK_MSG(y == float(3 * k), kernel.name + " gave " + std::to_string(y) +
                                              " for " + std::to_string(3 * k));
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
    // Every PackedGemm kernel, then every bit-serial one (on the layers it serves).
    struct Kernels
    {
        GemmKernelChoice gemm;
        const BitPlaneKernelChoice *bitPlane;
    };
    std::vector<Kernels> choices;
    for (const auto &kernel : PackedGemm::available())
        choices.push_back({kernel, nullptr});
    const auto bitPlaneKernels = BitPlaneGemm::available();
    for (const auto &bitPlane : bitPlaneKernels)
        choices.push_back({PackedGemm::fastest(), &bitPlane});
    // On one thread, on two, and on the calling thread of a pool of two (useAllThreads).
    const std::pair<size_t, bool> schedules[] = {{1, true}, {2, true}, {2, false}};
    for (const auto &[kernel, bitPlane] : choices)
        for (const auto &[threads, allThreads] : schedules) {
            ThreadPool pool(threads);
            LowBitLayer lowBit(layer, inShape, shapes[op.output], kernel, bitPlane);
            lowBit.useAllThreads(allThreads);
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
                      what + " on " + lowBit.kernelName() + ", " + std::to_string(threads) +
                          " thread(s)" + (allThreads ? "" : ", the calling one alone") +
                          ": off by " + std::to_string(worst) + " of " + std::to_string(scale));
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
        {"depthwise 5×5 stride 2", 36, 36, 5, 2, 2, 36, 1, 13},
        {"depthwise dilated", 16, 16, 3, 1, 2, 16, 2, 9},
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

TEST_CASE(binaryBasisLayersRunOnCodes)
{
    // ALQ's groupings that the low-bit layers serve (a piece per tap, a whole filter, a 1×1 or
    // linear row in contiguous pieces, a depthwise filter; grouped convs' too) against the
    // oracle, every activation width; groups of 0 to 5 bases, drawn (the channels reordered by
    // their bases) or fewer in each later channel (in order). A grouping they do not serve is
    // left to the oracle's path.
    struct Grouping
    {
        const char *name;
        uint32_t in, out, kernel, stride, pad, groups, pieces;
        bool interleaved;
    };
    const Grouping groupings[] = {
        {"3×3 per tap", 12, 20, 3, 1, 1, 1, 9, true},
        {"3×3 stride 2 per filter", 5, 9, 3, 2, 1, 1, 1, false},
        {"1×1 in three pieces", 30, 7, 1, 1, 0, 1, 3, false},
        {"depthwise per filter", 19, 19, 3, 2, 1, 19, 1, false},
        // Groups of 6 input channels: each tap's run read on past the group's, to whole steps.
        {"3×3 in 4 groups per tap", 24, 20, 3, 1, 1, 4, 9, true},
        {"3×3 stride 2 in 3 groups per filter", 12, 9, 3, 2, 1, 3, 1, false},
        {"1×1 in 2 groups, 2 pieces", 16, 22, 1, 1, 0, 2, 2, false},
    };
    for (const auto &g : groupings)
        for (uint32_t abits : {1u, 2u, 4u, 8u})
            for (bool descending : {false, true}) {
                qsm::ModelBuilder b(g.in, 9, 9, abits);
                const qsm::LayerBits bits{4, abits, 0.37f, abits > 1};
                const auto out = b.conv(qsm::ModelBuilder::kInput, g.out, g.kernel, g.stride,
                                        g.pad, g.groups, bits);
                auto model = b.build(out);
                toBinaryBases(model.layers[0], g.pieces, g.interleaved, 5, abits, descending);
                CHECK_MSG(LowBitLayer::basesServed(model.layers[0]), g.name);
                compareLayer(model, std::string(g.name) + " A" + std::to_string(abits) +
                                        (descending ? " descending" : " drawn"));
            }
    for (uint32_t pieces : {1u, 4u}) {
        qsm::ModelBuilder b(36, 1, 1, 9);
        const auto flat = b.flatten(qsm::ModelBuilder::kInput);
        auto model = b.build(b.linear(flat, 11, qsm::LayerBits{4, 4, 0.5f, false}));
        toBinaryBases(model.layers[0], pieces, false, 3, pieces);
        compareLayer(model, "linear in " + std::to_string(pieces) + " piece(s)");
    }
    qsm::ModelBuilder b(8, 6, 6, 4);
    auto model = b.build(b.conv(qsm::ModelBuilder::kInput, 8, 3, 1, 1, 1,
                                qsm::LayerBits{4, 4, 0.0f, true}));
    toBinaryBases(model.layers[0], 8, false, 2, 1); // per kernel: strided in the GEMM's row
    CHECK(!LowBitLayer::basesServed(model.layers[0]));
}

TEST_CASE(activationCodesRoundAsTheSimulation)
{
    // Pixels k/255 normalised by mean 0.5 and std 0.25, on an 8-bit grid of step 4/255 and
    // zero point 127: every value is a tie. An integer zero point rounds x·(1/s) and then adds
    // z (ATen's fake_quantize_per_tensor_affine, which the simulation runs); a fractional one
    // rounds x/s + z. The coder, and the oracle's rounding, take the simulation's code for each.
    qsm::ActivationQuant a;
    a.bits = 8, a.scale = 4.0f / 255.0f, a.qmin = 0, a.qmax = 255;
    for (const float zero : {127.0f, 127.25f}) {
        a.zeroPoint = zero;
        const ActivationCoder coder(a);
        size_t agree = 0, ties = 0;
        for (int k = 0; k < 256; ++k) {
            const float x = (float(k) / 255.0f - 0.5f) / 0.25f;
            const float simulated =
                zero == 127.0f ? std::nearbyint(x * (1.0f / a.scale)) + zero
                               : std::nearbyint(x / a.scale + zero);
            const float expected = std::clamp(simulated, 0.0f, 255.0f);
            agree += coder.quantized(x) == expected &&
                     std::clamp(ReferenceKernels::activationCode(x, a), 0.0f, 255.0f) == expected;
            ties += std::nearbyint(x / a.scale + 127.0f) != std::nearbyint(x / a.scale) + 127.0f;
        }
        CHECK_MSG(agree == 256, std::to_string(agree) + " of 256 codes at z = " +
                                    std::to_string(zero));
        CHECK(ties > 100); // the two roundings part on most of them
    }
}

int main()
{
    return runAll();
}
