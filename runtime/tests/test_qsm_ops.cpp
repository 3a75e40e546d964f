// SPDX-License-Identifier: MIT
// Each op kind's fields through a file and back: the version that first holds it, the shapes it
// gives, and the writer's and reader's refusals of fields that do not fit.
#include "check.h"
#include "qsm_files.h"
#include "sample_models.h"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

using namespace quantscope;
using namespace quantscope::runtime::test;

TEST_CASE(concatRoundTripsAndIsValidated)
{
    const auto model = concatModel(4, 4);
    const auto bytes = writtenAt(model, 3); // a concat needs version 3
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    // 7 + 9 + 6 channels of the fire module, 4 more grown on them, 11 + 6 features.
    CHECK((outputShapes(back, qsm::OpKind::Concat) ==
           std::vector<qsm::Shape>{{22, 10, 9}, {26, 10, 9}, {17}}));

    std::string message;
    checkRefusedOneVersionOlder(bytes, qsm::OpKind::Concat);
    // On the concat of vectors: a map beside them, a lone input.
    const auto invalid = [&](auto edit, const char *expected) {
        auto lying = model;
        for (auto op = lying.ops.rbegin(); op != lying.ops.rend(); ++op)
            if (op->kind == qsm::OpKind::Concat) {
                edit(*op);
                break;
            }
        const auto message = writerRefusal(lying);
        CHECK_MSG(message.find(expected) != std::string::npos, "got: " + message);
    };
    invalid([](qsm::Op &op) { op.inputs.push_back(0); }, "differ beyond the channels");
    invalid([](qsm::Op &op) { op.inputs.resize(1); }, "takes 2 or more inputs, has 1");
}

TEST_CASE(channelAffineRoundTripsAndIsValidated)
{
    const auto model = preActivationModel(4, 4);
    const auto bytes = writtenAt(model, 3);
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK(back.ops[1].kind == qsm::OpKind::ChannelAffine);
    CHECK(back.ops[1].scale == model.ops[1].scale && back.ops[1].shift == model.ops[1].shift);
    CHECK(back.ops[1].scale.size() == 12);
    auto lying = model;
    lying.ops[1].shift.pop_back();
    const auto message = writerRefusal(lying);
    CHECK_MSG(message.find("has 12 scales and 11 shifts for 12 channels") != std::string::npos,
              message);
}

TEST_CASE(activationsAndProductsRoundTripAndAreValidated)
{
    const auto model = excitationModel(4, 4);
    const auto bytes = writtenAt(model, 3);
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK((activationNames(back) ==
           std::vector<std::string>{"hardswish", "silu", "hardsigmoid", "sigmoid"}));

    std::string message;
    auto unknown = model;
    unknown.ops[1].function = qsm::ActivationFunction(11);
    CHECK(refused(resealed(qsm::QsmWriter::serialize(unknown)), &message));
    CHECK_MSG(message.find("unknown activation function 11") != std::string::npos, message);
    // A product of maps of other sizes (the SE scale against the 1×1 conv's input channels).
    auto mismatched = model;
    for (auto &op : mismatched.ops)
        if (op.kind == qsm::OpKind::Mul) {
            op.inputs[0] = 0; // the 3-channel input against a 16-channel map
            break;
        }
    message = writerRefusal(mismatched);
    CHECK_MSG(message.find("multiplies 3x9x8 by 16x5x4") != std::string::npos, message);
}

TEST_CASE(negativeSidesRoundTripAndAreValidated)
{
    // GELU (both forms), ELU, the prelus and the softmax need version 5; an older file naming
    // them is refused; a softmax reads a vector.
    const auto model = negativeSideModel(4, 4);
    const auto bytes = writtenAt(model, 5);
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK((activationNames(back) == std::vector<std::string>{"gelu", "gelu (tanh)", "elu"}));
    CHECK((ofKind(back, qsm::OpKind::PRelu, [](const qsm::Op &op) { return op.slopes.size(); }) ==
           std::vector<size_t>{1, 16, 12}));
    CHECK(back.ops.back().kind == qsm::OpKind::Softmax && back.ops.back().log == 0);

    std::string message;
    CHECK(refused(withVersion(bytes, 4), &message));
    CHECK_MSG(message.find("unknown activation function 5 for version 4") != std::string::npos,
              message);
    auto preluOnly = model; // the activations swapped for hardswish: the prelu alone needs 5
    for (auto &op : preluOnly.ops)
        if (op.kind == qsm::OpKind::Activation)
            op.function = qsm::ActivationFunction::HardSwish;
    CHECK(refused(withVersion(qsm::QsmWriter::serialize(preluOnly), 4), &message));
    CHECK_MSG(message.find("unknown op kind 15 in a version 4 file") != std::string::npos,
              message);
    auto lying = model;
    for (auto &op : lying.ops)
        if (op.kind == qsm::OpKind::PRelu && op.slopes.size() == 16) {
            op.slopes.resize(3);
            break;
        }
    message = writerRefusal(lying);
    CHECK_MSG(message.find("has 3 slopes for 16 channels") != std::string::npos, message);
    auto ofMap = model; // the softmax moved onto the first conv's map
    ofMap.ops.back().inputs = {ofMap.ops[0].output};
    message = writerRefusal(ofMap);
    CHECK_MSG(message.find("needs a vector input") != std::string::npos, message);
}

TEST_CASE(padsRoundTripAndAreValidated)
{
    // Which input row each output row reads, as PyTorch pads 3 rows by 2 before and 2 after.
    qsm::Op pad;
    pad.kind = qsm::OpKind::Pad;
    std::vector<int64_t> rows;
    for (const auto mode : {qsm::PadMode::Zeros, qsm::PadMode::Reflect, qsm::PadMode::Replicate,
                            qsm::PadMode::Circular}) {
        pad.padMode = mode;
        for (int64_t i = 0; i < 7; ++i)
            rows.push_back(pad.padSource(i, 3, 2));
    }
    CHECK((rows == std::vector<int64_t>{-1, -1, 0, 1, 2, -1, -1, //
                                        2, 1, 0, 1, 2, 1, 0,     //
                                        0, 0, 0, 1, 2, 2, 2,     //
                                        1, 2, 0, 1, 2, 0, 1}));

    // Pads, tanh, softplus and mish need version 6, a circular pad version 9; an older file
    // naming them is refused.
    const auto model = paddedModel(4, 4);
    const auto bytes = writtenAt(model, 9);
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK((outputShapes(back, qsm::OpKind::Pad) ==
           std::vector<qsm::Shape>{{3, 11, 10}, {12, 10, 9}, {12, 7, 8}, {16, 8, 9}, {16, 5, 8}}));
    CHECK((activationNames(back) == std::vector<std::string>{"tanh", "mish", "softplus", "tanh"}));

    std::string message;
    CHECK(refused(withVersion(bytes, 8), &message));
    CHECK_MSG(message.find("unknown pad mode 3 in a version 8 file") != std::string::npos,
              message);
    auto noCircle = model;
    for (auto &op : noCircle.ops)
        if (op.kind == qsm::OpKind::Pad && op.padMode == qsm::PadMode::Circular)
            op.padMode = qsm::PadMode::Zeros;
    checkRefusedOneVersionOlder(writtenAt(noCircle, 6), qsm::OpKind::Pad);
    auto modeless = model;
    modeless.ops[0].padMode = qsm::PadMode(4);
    CHECK(refused(resealed(qsm::QsmWriter::serialize(modeless)), &message));
    CHECK_MSG(message.find("unknown pad mode 4 in a version 9 file") != std::string::npos,
              message);
    // The pads of a mode changed: the writer's refusal.
    const auto changedPads = [&](qsm::PadMode mode, const std::function<void(qsm::Op &)> &change) {
        auto changed = model;
        for (auto &op : changed.ops)
            if (op.kind == qsm::OpKind::Pad && op.padMode == mode)
                change(op);
        return writerRefusal(changed);
    };
    // Wrapping 5 columns of a 4-column map around; reflecting 4 rows of a 4-row map.
    message = changedPads(qsm::PadMode::Circular, [](qsm::Op &op) { op.padRight = 5; });
    CHECK_MSG(message.find("wraps more rows or columns around than the 16x3x4 input has") !=
                  std::string::npos,
              message);
    message = changedPads(qsm::PadMode::Reflect, [](qsm::Op &op) { op.padTop = 4; });
    CHECK_MSG(message.find("reflects more rows or columns than the 12x4x4 input has") !=
                  std::string::npos,
              message);
    auto huge = model;
    huge.ops[0].padLeft = 0xffffffffu;
    message = writerRefusal(huge);
    CHECK_MSG(message.find("beyond any size") != std::string::npos, message);
}

TEST_CASE(groupNormsRoundTripAndAreValidated)
{
    // A group norm needs version 7; an older file naming it is refused.
    const auto model = groupNormModel(4, 4);
    const auto bytes = writtenAt(model, 7);
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK((ofKind(back, qsm::OpKind::GroupNorm, [](const qsm::Op &op) { return op.groups; }) ==
           std::vector<uint32_t>{2, 12, 1}));
    CHECK((outputShapes(back, qsm::OpKind::GroupNorm) ==
           std::vector<qsm::Shape>{{8, 9, 8}, {12, 5, 4}, {12, 5, 4}}));

    std::string message;
    checkRefusedOneVersionOlder(bytes, qsm::OpKind::GroupNorm);
    // Groups that do not divide the channels, a scale missing, a NaN ε: each refused.
    CHECK(model.ops[1].kind == qsm::OpKind::GroupNorm);
    const auto refusal = [&](const std::function<void(qsm::Op &)> &change) {
        auto changed = model;
        change(changed.ops[1]);
        return writerRefusal(changed);
    };
    message = refusal([](qsm::Op &op) { op.groups = 3; });
    CHECK_MSG(message.find("cannot split 8 channels in 3 groups") != std::string::npos, message);
    message = refusal([](qsm::Op &op) { op.scale.pop_back(); });
    CHECK_MSG(message.find("has 7 scales and 8 shifts for 8 channels") != std::string::npos,
              message);
    message = refusal([](qsm::Op &op) { op.epsilon = std::nanf(""); });
    CHECK_MSG(message.find("not a finite one") != std::string::npos, message);
}

TEST_CASE(layerNormsRoundTripAndAreValidated)
{
    // A layer norm needs version 8; it normalises maps and vectors; a vector's features
    // count as its channels.
    const auto model = layerNormModel(4, 4);
    const auto bytes = writtenAt(model, 8);
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK((outputShapes(back, qsm::OpKind::LayerNorm) ==
           std::vector<qsm::Shape>{{8, 5, 4}, {8, 5, 4}, {8}}));

    std::string message;
    checkRefusedOneVersionOlder(bytes, qsm::OpKind::LayerNorm);
    const auto last = model.ops.size() - 2; // the features' norm
    CHECK(model.ops[last].kind == qsm::OpKind::LayerNorm);
    auto changed = model;
    changed.ops[last].shift.push_back(0.0f);
    message = writerRefusal(changed);
    CHECK_MSG(message.find("has 8 scales and 9 shifts for 8 channels") != std::string::npos,
              message);
    changed = model;
    changed.ops[last].epsilon = -1.0f;
    message = writerRefusal(changed);
    CHECK_MSG(message.find("not a finite one") != std::string::npos, message);
}

TEST_CASE(resizesRoundTripAndAreValidated)
{
    // Which input column each of 5 output columns reads from 3, and with what weight, as
    // PyTorch's nearest, nearest-exact and bilinear (half-pixel centres) resize computes them.
    qsm::Op resize;
    resize.kind = qsm::OpKind::Resize;
    std::vector<uint32_t> columns;
    for (const auto mode : {qsm::ResizeMode::Nearest, qsm::ResizeMode::NearestExact}) {
        resize.resizeMode = mode;
        for (const auto &tap : resize.resizeTaps(3, 5, qsm::resizeStep(mode, false, 3, 5, 0)))
            columns.push_back(tap.first);
    }
    CHECK((columns == std::vector<uint32_t>{0, 0, 1, 1, 2, 0, 0, 1, 2, 2}));
    resize.resizeMode = qsm::ResizeMode::Bilinear;
    const auto taps = resize.resizeTaps(3, 5, 0.6f);
    CHECK(taps[0].first == 0 && taps[0].second == 1 && taps[0].secondWeight == 0.0f);
    CHECK(taps[2].first == 1 && taps[2].second == 2 && std::fabs(taps[2].secondWeight) < 1e-6f);
    CHECK(taps[4].first == 2 && taps[4].second == 2);
    CHECK(std::fabs(taps[4].secondWeight - 0.2f) < 1e-6f);

    // A resize needs version 9; an older file naming it is refused.
    const auto model = resizeModel(4, 4);
    const auto bytes = writtenAt(model, 9);
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK((outputShapes(back, qsm::OpKind::Resize) ==
           std::vector<qsm::Shape>{{6, 5, 4}, {6, 10, 8}, {12, 7, 9}, {8, 4, 3}, {8, 8, 6}}));

    std::string message;
    checkRefusedOneVersionOlder(bytes, qsm::OpKind::Resize);
    size_t first = 0;
    while (model.ops[first].kind != qsm::OpKind::Resize)
        ++first;
    const auto refusal = [&](const std::function<void(qsm::Op &)> &change) {
        auto changed = model;
        change(changed.ops[first]);
        return changed;
    };
    CHECK(refused(resealed(qsm::QsmWriter::serialize(
                      refusal([](qsm::Op &op) { op.resizeMode = qsm::ResizeMode(3); }))),
                  &message));
    CHECK_MSG(message.find("unknown resize mode 3") != std::string::npos, message);
    message = writerRefusal(refusal([](qsm::Op &op) { op.stepW = std::nanf(""); }));
    CHECK_MSG(message.find("not finite ones") != std::string::npos, message);
    message = writerRefusal(refusal([](qsm::Op &op) { op.outHeight = 1u << 30; }));
    CHECK_MSG(message.find("beyond any size") != std::string::npos, message);
}

TEST_CASE(channelSlicesAndShufflesRoundTripAndAreValidated)
{
    // What each output channel copies, as PyTorch computes it: x[:, first:first + count], and
    // x.view(n, g, C/g, h, w).transpose(1, 2) viewed back (6 channels in 2 groups: 0 3 1 4 2 5).
    qsm::Op slice, shuffle;
    slice.kind = qsm::OpKind::ChannelSlice;
    slice.first = 2;
    slice.count = 3;
    shuffle.kind = qsm::OpKind::ChannelShuffle;
    shuffle.groups = 2;
    CHECK((slice.sourceChannels(8) == std::vector<uint32_t>{2, 3, 4}));
    CHECK((shuffle.sourceChannels(6) == std::vector<uint32_t>{0, 3, 1, 4, 2, 5}));
    shuffle.groups = 3;
    CHECK((shuffle.sourceChannels(6) == std::vector<uint32_t>{0, 2, 4, 1, 3, 5}));

    const auto model = shuffleModel(4, 4);
    const auto bytes = writtenAt(model, 4); // a slice or a shuffle needs version 4
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK((outputShapes(back, qsm::OpKind::ChannelSlice) ==
           std::vector<qsm::Shape>{{7, 5, 5}, {7, 5, 5}, {9}, {3}}));

    std::string message;
    checkRefusedOneVersionOlder(bytes, qsm::OpKind::ChannelShuffle);
    const auto invalid = [&](qsm::OpKind kind, auto edit, const char *expected) {
        auto lying = model;
        for (auto &op : lying.ops)
            if (op.kind == kind) {
                edit(op);
                break;
            }
        message = writerRefusal(lying);
        CHECK_MSG(message.find(expected) != std::string::npos, "got: " + message);
    };
    // The first slice takes channels 7…13 of 14.
    invalid(qsm::OpKind::ChannelSlice, [](qsm::Op &op) { op.first = 8; },
            "takes channels 8 to 15 (exclusive) of 14");
    invalid(qsm::OpKind::ChannelSlice, [](qsm::Op &op) { op.count = 0; }, "takes channels 7 to 7");
    invalid(qsm::OpKind::ChannelShuffle, [](qsm::Op &op) { op.groups = 3; },
            "cannot cut 14 channels into 3 groups");
    invalid(qsm::OpKind::ChannelShuffle, [](qsm::Op &op) { op.groups = 0; },
            "cannot cut 14 channels into 0 groups");
}

int main()
{
    return runAll();
}
