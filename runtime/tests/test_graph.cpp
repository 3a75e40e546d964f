// SPDX-License-Identifier: MIT
// A whole model on each backend: lowbit against the oracle run op by op, fp32 against itself
// through the file, int8 (XNNPACK) close to fp32.
#include "check.h"
#include "engine/graph_executor.h"
#include "engine/value_ranges.h"
#include "engine/wide_depthwise.h"
#include "engine/xnnpack_executor.h"
#include "format/qsm_reader.h"
#include "format/qsm_writer.h"
#include "kernels/reference/reference_kernels.h"
#include "sample_models.h"

#include <cmath>

using namespace quantscope;
using namespace quantscope::runtime;
using namespace quantscope::runtime::test;

namespace {

// The model run op by op with the oracle's kernels: codes where the layer is quantized.
std::vector<float> oracle(const qsm::Model &m, const std::vector<float> &input)
{
    const auto shapes = qsm::ShapeInference::infer(m);
    std::vector<std::vector<float>> v(m.valueCount);
    v[0] = input;
    for (const auto &op : m.ops) {
        const auto &in = v[op.inputs[0]];
        auto &out = v[op.output];
        out.resize(qsm::ShapeInference::elements(shapes[op.output]));
        const auto &inShape = shapes[op.inputs[0]];
        switch (op.kind) {
        case qsm::OpKind::Conv:
        case qsm::OpKind::Linear: {
            const auto &l = m.layers[op.layer];
            if (l.input.bits > 0)
                ReferenceKernels::layerQuantized(l, in.data(), inShape, out.data(),
                                                 shapes[op.output]);
            else
                ReferenceKernels::layerFloat(l, ReferenceKernels::dequantize(l), in.data(),
                                             inShape, out.data(), shapes[op.output]);
            break;
        }
        case qsm::OpKind::Add:
            ReferenceKernels::add(in.data(), v[op.inputs[1]].data(), out.data(), out.size());
            break;
        case qsm::OpKind::Clamp:
            ReferenceKernels::clamp(in.data(), out.data(), out.size(), op.lo, op.hi);
            break;
        case qsm::OpKind::MaxPool:
        case qsm::OpKind::AvgPool:
            ReferenceKernels::pool(op, in.data(), inShape, out.data(), shapes[op.output]);
            break;
        case qsm::OpKind::GlobalAvgPool:
            ReferenceKernels::globalAveragePool(in.data(), inShape, out.data());
            break;
        case qsm::OpKind::Flatten:
            out = in;
            break;
        case qsm::OpKind::Activation:
            ReferenceKernels::activation(op.function, in.data(), out.data(), out.size());
            break;
        case qsm::OpKind::PRelu:
            ReferenceKernels::prelu(op, in.data(), inShape, out.data());
            break;
        case qsm::OpKind::Softmax:
            ReferenceKernels::softmax(in.data(), out.size(), op.log != 0, out.data());
            break;
        case qsm::OpKind::Mul:
            ReferenceKernels::mul(in.data(), inShape, v[op.inputs[1]].data(),
                                  shapes[op.inputs[1]], out.data());
            break;
        case qsm::OpKind::ChannelAffine:
            ReferenceKernels::channelAffine(op, in.data(), inShape, out.data(), -INFINITY,
                                            INFINITY);
            break;
        case qsm::OpKind::GroupNorm: {
            ReferenceKernels::NormScratch norm;
            ReferenceKernels::groupNormAffine(op, in.data(), inShape, false, norm);
            ReferenceKernels::channelAffine(norm.affine, in.data(), inShape, out.data(),
                                            -INFINITY, INFINITY);
            break;
        }
        case qsm::OpKind::LayerNorm: {
            ReferenceKernels::NormScratch norm;
            ReferenceKernels::layerNorm(op, in.data(), inShape, false, norm, out.data());
            break;
        }
        case qsm::OpKind::Concat: {
            std::vector<const float *> ins;
            std::vector<qsm::Shape> inShapes;
            for (uint32_t i : op.inputs) {
                ins.push_back(v[i].data());
                inShapes.push_back(shapes[i]);
            }
            ReferenceKernels::concat(ins, inShapes, out.data());
            break;
        }
        case qsm::OpKind::ChannelSlice:
        case qsm::OpKind::ChannelShuffle:
            ReferenceKernels::gatherChannels(in.data(), inShape, op.sourceChannels(inShape[0]),
                                             out.data());
            break;
        case qsm::OpKind::Pad:
            ReferenceKernels::pad(op, in.data(), inShape, out.data());
            break;
        case qsm::OpKind::Resize:
            ReferenceKernels::resize(op, in.data(), inShape, false, out.data());
            break;
        }
    }
    return v[m.output];
}

float worstDifference(const std::vector<float> &a, const std::vector<float> &b)
{
    float worst = 0;
    for (size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::fabs(a[i] - b[i]));
    return worst;
}

} // namespace

TEST_CASE(lowBitModelMatchesTheOracle)
{
    // Every op kind on odd shapes; concats of maps and vectors; batch norms as channel affines
    // (clamps fused into them or not); smooth activations and products; then channels in whole
    // 64s, where layers at W ≤ 2 × A ≤ 2 may run bit-serially (each keeps the kernel that timed
    // faster in the model); ShuffleNet's channel slices and shuffles of maps and vectors; pads
    // in every mode; group norms; layer norms; resizes in every mode.
    for (const auto build : {&everyOpModel, &concatModel, &preActivationModel, &excitationModel,
                             &wideChannelsModel, &shuffleModel, &negativeSideModel,
                             &paddedModel, &groupNormModel, &layerNormModel, &resizeModel}) {
        for (uint32_t wbits : {1u, 2u, 4u, 8u})
            for (uint32_t abits : {1u, 2u, 4u, 8u}) {
                const auto bytes = qsm::QsmWriter::serialize(build(wbits, abits, 7));
                const auto model = qsm::QsmReader::parse(bytes.data(), bytes.size());
                for (size_t threads : {1, 2}) {
                    GraphExecutor lowBit(model, Backend::LowBit, threads);
                    for (uint32_t seed = 0; seed < 3; ++seed) {
                        const auto input = randomInput(model, seed);
                        const auto expected = oracle(model, input);
                        const auto &got = lowBit.run(input.data());
                        // Equal up to float rounding in the scaled sums — which can move a value
                        // across a rounding boundary of the next quantizer; one step of it at most.
                        CHECK_MSG(worstDifference(got, expected) < 1e-3f,
                                  "W" + std::to_string(wbits) + "A" + std::to_string(abits) +
                                      ": off by " + std::to_string(worstDifference(got, expected)));
                    }
                    CHECK(lowBit.opSeconds().size() == model.ops.size());
                }
            }
    }
}

TEST_CASE(sharedBuffersGiveTheSameOutputs)
{
    // Reusing a value's buffer once its last reader has run (for timing) changes nothing the
    // model outputs, on every op kind, residual adds and fused clamps included, both backends;
    // nor does the low-bit layers' passing maps on as their readers' codes, on one thread or
    // two (tasks of whole rows code their own; the other schedules code the layer's outputs
    // after).
    size_t coded = 0;
    for (const auto build : {&everyOpModel, &layoutEdgesModel, &concatModel, &preActivationModel,
                             &excitationModel, &shuffleModel, &negativeSideModel, &paddedModel,
                             &groupNormModel, &layerNormModel, &resizeModel, &wideChannelsModel})
        for (const Backend backend : {Backend::LowBit, Backend::Fp32})
            for (size_t threads : {1, 2}) {
                const auto model = build(4, 4, 3);
                GraphExecutor every(model, backend, threads),
                    shared(model, backend, threads, false);
                for (uint32_t seed = 0; seed < 2; ++seed) {
                    const auto input = randomInput(model, seed);
                    const auto expected = every.run(input.data());
                    CHECK(shared.run(input.data()) == expected);
                }
                // Only the output can be read back; the input's buffer has been reused.
                CHECK(shared.value(model.output) == every.value(model.output));
                CHECK(shared.value(0).empty() && !every.value(0).empty());
                CHECK(every.codedMaps() == 0);
                coded += shared.codedMaps();
            }
    CHECK_MSG(coded >= 10, std::to_string(coded) + " maps passed on as codes");
}

TEST_CASE(mapsPassedOnAsCodesOnEveryThreadsRows)
{
    // A MobileNetV2 block on a map large enough for tasks of whole rows on two threads (each
    // codes the rows it wrote): the expansion's and the depthwise conv's outputs pass on as
    // codes; the projection's, the model's output, stays float.
    qsm::ModelBuilder b(5, 24, 20, 3);
    const qsm::LayerBits first{8, 4, 0.4f, true}, body{4, 4, 0.0f, false};
    auto x = b.clamp(b.conv(qsm::ModelBuilder::kInput, 24, 1, 1, 0, 1, first), 0.0f, 6.0f);
    x = b.clamp(b.conv(x, 24, 3, 1, 1, 24, body), 0.0f, 6.0f);
    const auto model = b.build(b.conv(x, 8, 1, 1, 0, 1, body));
    for (size_t threads : {1, 2}) {
        GraphExecutor every(model, Backend::LowBit, threads),
            shared(model, Backend::LowBit, threads, false);
        CHECK(shared.codedMaps() == 2);
        for (uint32_t seed = 0; seed < 3; ++seed) {
            const auto input = randomInput(model, seed);
            const auto expected = every.run(input.data());
            CHECK(shared.run(input.data()) == expected);
        }
    }
}

TEST_CASE(channelsLastValuesReadAsTheOracles)
{
    // Every value the low-bit backend keeps channels last reads back C×H×W, equal to the
    // oracle's (the model's output as well as its feature maps).
    const auto model = layoutEdgesModel(4, 4);
    GraphExecutor lowBit(model, Backend::LowBit, 2);
    const auto input = randomInput(model, 1);
    const auto expected = oracle(model, input);
    const auto &got = lowBit.run(input.data());
    CHECK(got.size() == expected.size());
    CHECK_MSG(worstDifference(got, expected) < 1e-3f,
              "off by " + std::to_string(worstDifference(got, expected)));
    CHECK(lowBit.value(0) == input);
    // The first layer's relu is applied as the layer writes: its input is never stored, and
    // the relu itself takes no time of its own.
    CHECK(model.ops[1].kind == qsm::OpKind::Clamp);
    CHECK(lowBit.value(model.ops[0].output).empty());
    CHECK(lowBit.opSeconds()[1] == 0.0);
    // The float layer's output is what the oracle computes from the same quantized map.
    const auto shapes = lowBit.shapes();
    const auto &floatOp = model.ops[2];
    std::vector<float> floatOut(lowBit.value(floatOp.output).size());
    ReferenceKernels::layerFloat(model.layers[floatOp.layer],
                                 ReferenceKernels::dequantize(model.layers[floatOp.layer]),
                                 lowBit.value(floatOp.inputs[0]).data(), shapes[floatOp.inputs[0]],
                                 floatOut.data(), shapes[floatOp.output]);
    CHECK(worstDifference(lowBit.value(floatOp.output), floatOut) < 1e-5f);
}

TEST_CASE(fp32ModelMatchesTheOracleInFloat)
{
    auto model = everyOpModel(4, 4);
    for (auto &l : model.layers)
        l.input.bits = 0; // float inputs: the oracle's float path
    GraphExecutor fp32(model, Backend::Fp32);
    const auto input = randomInput(model, 1);
    CHECK(worstDifference(fp32.run(input.data()), oracle(model, input)) < 1e-5f);
}

TEST_CASE(binaryBasesRunAsTheirWeights)
{
    // ALQ's layers give every backend the weights Σ ±α that they encode: the same model with
    // those weights in float computes the same (low-bit: the bases run on codes where the
    // layers serve their grouping, the float model through the oracle's float path; the
    // grouped conv per kernel takes that path in both).
    for (uint32_t abits : {0u, 4u}) {
        auto bases = binaryBasesModel(4);
        if (abits == 0)
            for (auto &l : bases.layers)
                l.input.bits = 0;
        auto floats = bases;
        for (size_t i : {2u, 3u, 4u, 5u}) {
            auto &l = floats.layers[i];
            l.weights.clear();
            for (size_t c = 0; c < l.outChannels; ++c)
                for (size_t k = 0; k < l.rowElements(); ++k)
                    l.weights.push_back(bases.layers[i].weight(c, k));
            l.encoding = qsm::WeightEncoding::Float32;
        }
        const auto input = randomInput(bases, 3);
        for (auto backend : {Backend::Fp32, Backend::LowBit}) {
            GraphExecutor a(bases, backend, 2), b(floats, backend, 2);
            const auto &got = a.run(input.data());
            CHECK_MSG(worstDifference(got, b.run(input.data())) < 1e-4f,
                      "A" + std::to_string(abits) + " off by " +
                          std::to_string(worstDifference(got, b.run(input.data()))));
        }
        CHECK(worstDifference(GraphExecutor(bases, Backend::LowBit, 1).run(input.data()),
                              oracle(bases, input)) < 1e-3f);
    }
}

TEST_CASE(int8ModelIsCloseToFp32)
{
    if (!XnnpackExecutor::available())
        return;
    // Concat inputs keep their own ranges: the op requantizes each to the output's. A channel
    // affine is one table per channel, with the relu after it; an activation one table.
    // Channel slices and shuffles move codes (XNNPACK's copy and channel shuffle).
    for (const auto build : {&everyOpModel, &concatModel, &preActivationModel, &excitationModel,
                             &shuffleModel, &negativeSideModel, &paddedModel, &groupNormModel,
                             &layerNormModel, &resizeModel}) {
        const auto model = build(8, 8, 7);
        std::vector<std::vector<float>> calibration;
        for (uint32_t seed = 0; seed < 8; ++seed)
            calibration.push_back(randomInput(model, seed));
        XnnpackExecutor int8(model, ValueRanges::calibrate(model, calibration), 1);
        GraphExecutor fp32(model, Backend::Fp32);
        const auto input = randomInput(model, 42);
        const auto expected = fp32.run(input.data());
        const auto got = int8.run(input.data());
        float range = 0;
        for (float v : expected)
            range = std::max(range, std::fabs(v));
        const float off = worstDifference(got, expected);
        CHECK_MSG(off < 0.1f * range, "int8 off by " + std::to_string(off) + " of " +
                                          std::to_string(range));
    }
}

TEST_CASE(int8TakesEveryOtherPixel)
{
    if (!XnnpackExecutor::available())
        return;
    // A max pool of 1×1 windows at stride 2 (x[:, :, ::2, ::2]), which XNNPACK's pooling
    // refuses, copies the codes of every other pixel: the same conv's int8 outputs without it,
    // taken at even rows and columns.
    const auto build = [](bool pooled) {
        qsm::ModelBuilder b(3, 9, 8, 3);
        const auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 5, 3, 1, 1, 1,
                                     qsm::LayerBits{8, 8, 0.4f, true}));
        return b.build(b.flatten(pooled ? b.maxPool(x, 1, 2, 0) : x));
    };
    const auto whole = build(false), pooled = build(true);
    std::vector<std::vector<float>> calibration;
    for (uint32_t seed = 0; seed < 4; ++seed)
        calibration.push_back(randomInput(whole, seed));
    XnnpackExecutor all(whole, ValueRanges::calibrate(whole, calibration), 1);
    XnnpackExecutor every(pooled, ValueRanges::calibrate(pooled, calibration), 1);
    const auto input = randomInput(whole, 9);
    const auto full = all.run(input.data()), got = every.run(input.data());
    CHECK(got.size() == 5 * 5 * 4);
    size_t same = 0;
    for (size_t c = 0; c < 5; ++c)
        for (size_t y = 0; y < 5; ++y)
            for (size_t x = 0; x < 4; ++x)
                same += got[(c * 5 + y) * 4 + x] == full[(c * 9 + 2 * y) * 8 + 2 * x];
    CHECK_MSG(same == got.size(), std::to_string(same) + " of " + std::to_string(got.size()));
}

namespace {

// One conv (signed codes: no relu) and a window op in int8 against fp32, within 2 % of the
// output's range.
void checkInt8Window(const qsm::Model &model)
{
    const auto input = randomInput(model, 3);
    XnnpackExecutor int8(model, ValueRanges::calibrate(model, {input}), 1);
    GraphExecutor fp32(model, Backend::Fp32);
    const auto expected = fp32.run(input.data());
    const auto &got = int8.run(input.data());
    float range = 0;
    for (float v : expected)
        range = std::max(range, std::fabs(v));
    CHECK_MSG(worstDifference(got, expected) < 0.02f * range,
              "int8 off by " + std::to_string(worstDifference(got, expected)));
}

} // namespace

TEST_CASE(int8RunsCeilModeMaxPooling)
{
    // GoogLeNet's and SqueezeNet's max pools round their output size up: the last window hangs
    // over the map and takes the max of what it covers, never of padding (a conv's output
    // without a relu, so zero padding would win on negative maps).
    if (!XnnpackExecutor::available())
        return;
    qsm::ModelBuilder b(3, 8, 7);
    const auto x = b.conv(qsm::ModelBuilder::kInput, 5, 3, 1, 1, 1, qsm::LayerBits{8, 8, 0, true});
    auto model = b.build(b.maxPool(x, 3, 2, 0));
    model.ops.back().ceilMode = 1;
    CHECK((qsm::ShapeInference::infer(model)[model.output] == qsm::Shape{5, 4, 3}));
    checkInt8Window(model);
}

TEST_CASE(int8RunsWideDepthwiseWindowsOnItsCodes)
{
    // ConvNeXt's 7×7 depthwise convs (one strided, one with a relu6 fused) have no XNNPACK
    // kernel of that window: they run on our depthwise kernel, the int8 weights and codes.
    // A 5×5 one and a grouped 7×7 one stay XNNPACK's.
    if (!XnnpackExecutor::available())
        return;
    qsm::ModelBuilder b(3, 11, 9);
    const qsm::LayerBits eight{8, 8, 0, true};
    auto x = b.conv(qsm::ModelBuilder::kInput, 12, 3, 1, 1, 1, eight);
    x = b.clamp(b.conv(x, 12, 7, 1, 3, 12, eight), 0.0f, 6.0f);
    x = b.conv(x, 12, 7, 2, 3, 12, eight);
    const auto model = b.build(x);
    CHECK(WideDepthwise::needed(model.layers[1]) && WideDepthwise::needed(model.layers[2]));
    checkInt8Window(model);
    qsm::ModelBuilder narrow(3, 11, 9);
    auto y = narrow.conv(qsm::ModelBuilder::kInput, 12, 3, 1, 1, 1, eight);
    y = narrow.conv(y, 12, 5, 1, 2, 12, eight);
    const auto grouped = narrow.build(narrow.conv(y, 12, 7, 1, 3, 6, eight));
    CHECK(!WideDepthwise::needed(grouped.layers[1]) && !WideDepthwise::needed(grouped.layers[2]));
}

TEST_CASE(int8AveragesOnUnsignedCodes)
{
    // DenseNet's 2×2 transition pools: XNNPACK's unsigned average pooling on the signed codes
    // with their top bit flipped.
    if (!XnnpackExecutor::available())
        return;
    qsm::ModelBuilder b(3, 8, 7);
    const auto x = b.conv(qsm::ModelBuilder::kInput, 5, 3, 1, 1, 1, qsm::LayerBits{8, 8, 0, true});
    checkInt8Window(b.build(b.avgPool(x, 2, 2, 0)));
}

TEST_CASE(int8AveragesOverPaddingAsPyTorch)
{
    // Inception's 3×3 pools at stride 1 over padding (counting it or not) and partial windows
    // in ceil mode, which this XNNPACK's pooling divides otherwise: decoded, averaged, coded.
    if (!XnnpackExecutor::available())
        return;
    for (uint32_t countIncludePad : {1u, 0u})
        for (uint32_t ceilMode : {0u, 1u}) {
            qsm::ModelBuilder b(3, 8, 7);
            const auto x =
                b.conv(qsm::ModelBuilder::kInput, 5, 3, 1, 1, 1, qsm::LayerBits{8, 8, 0, true});
            auto model = b.build(b.avgPool(b.avgPool(x, 3, 1, 1), 3, 2, 0));
            model.ops[1].countIncludePad = countIncludePad;
            model.ops[2].ceilMode = ceilMode;
            checkInt8Window(model);
        }
}

// A build without XNNPACK (QUANTSCOPE_XNNPACK=OFF) refuses every model, saying so.
TEST_CASE(int8NamesWhatItCannotRun)
{
    if (XnnpackExecutor::available())
        return;
    qsm::ModelBuilder b(4, 8, 8);
    const auto model = b.build(b.avgPool(qsm::ModelBuilder::kInput, 3, 1, 1));
    std::string message;
    try {
        XnnpackExecutor int8(model, ValueRanges::calibrate(model, {randomInput(model, 0)}));
    } catch (const qsm::FormatError &e) {
        message = e.what();
    }
    CHECK_MSG(message.find("no XNNPACK") != std::string::npos, "message: " + message);
}

int main()
{
    return runAll();
}
