// SPDX-License-Identifier: MIT
#include "packed_layer.h"

#include "error.h"
#include "model/frozen_model.h"
#include "node_constants.h"
#include "quant/binary_basis_layer.h"

#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace quantscope::deploy {

namespace {

using store::MethodState;
using torch::jit::Node;

uint32_t bitsFor(int64_t levels)
{
    uint32_t bits = 1;
    while ((int64_t(1) << bits) < levels)
        ++bits;
    return bits;
}

// An ALQ layer's weights as the format's binary bases, from the run's stored state (bases
// [G, I, n] as ±1, scales [G, I], grouping = {BasisGrouping, pieces}); the groups are laid out
// as BinaryBasisLayer cuts them: one filter, one tap of every input channel (interleaved), one
// kernel, or a piece of a row. Throws when the state does not reproduce the run's weights.
void encodeBases(qsm::Layer &l, const MethodState::LayerState &state, const torch::Tensor &rows,
                 const std::string &name)
{
    const auto bases = state[0].second.to(torch::kInt64);
    const auto scales = state[1].second.to(torch::kFloat32).contiguous();
    const auto mask = state[2].second.gt(0).contiguous();
    const auto grouping = static_cast<quant::BasisGrouping>(state[3].second[0].item<int64_t>());
    const int64_t groups = bases.size(0), count = bases.size(1), n = bases.size(2);
    l.encoding = qsm::WeightEncoding::BinaryBases;
    l.maxBases = uint32_t(count);
    l.interleaved = grouping == quant::BasisGrouping::Pixel;
    l.pieces = uint32_t(groups / l.outChannels);
    if (groups % l.outChannels != 0 || l.groupSize() != size_t(n) ||
        (l.interleaved && l.pieces != l.kernelH * l.kernelW))
        throw Error(name + ": the run's binary bases do not fit the layer's shape");
    // Only the bases a group kept: a pruned one takes no space.
    const auto positive = bases.gt(0).to(torch::kUInt8).contiguous();
    const uint8_t *bit = positive.data_ptr<uint8_t>();
    const bool *kept = mask.data_ptr<bool>();
    const float *alpha = scales.data_ptr<float>();
    for (int64_t g = 0; g < groups; ++g) {
        uint8_t n_g = 0;
        for (int64_t i = 0; i < count; ++i) {
            const int64_t basis = g * count + i;
            if (!kept[basis])
                continue;
            ++n_g;
            l.alphas.push_back(alpha[basis]);
            const size_t at = l.planes.size();
            l.planes.resize(at + l.planeBytes(), 0);
            for (int64_t j = 0; j < n; ++j)
                l.planes[at + size_t(j / 8)] |= uint8_t(bit[basis * n + j] << (j % 8));
        }
        l.baseCounts.push_back(n_g);
    }
    l.indexBases();
    double worst = 0, largest = 0;
    for (uint32_t c = 0; c < l.outChannels; ++c) {
        const float *row = rows[c].data_ptr<float>();
        for (size_t k = 0; k < l.rowElements(); ++k) {
            worst = std::max(worst, double(std::abs(l.weight(c, k) - row[k])));
            largest = std::max(largest, double(std::abs(row[k])));
        }
    }
    if (worst > 1e-4 * std::max(largest, 1e-30))
        throw Error(name + ": its stored bases reproduce its weights only to " +
                    std::to_string(worst) + "; the run's files do not belong together");
}

uint32_t groupsOf(const Node *node)
{
    return uint32_t(
        torch::jit::toIValue(node->input(model::FrozenModel::groupsInput(node)))->toInt());
}

// A conv's padding="same" as PyTorch pads: d·(k − 1) per axis, the odd one after (below,
// right); {top, bottom, left, right}. None for numbers or "valid".
std::optional<std::array<int64_t, 4>> samePadding(const Node *node)
{
    if (!model::FrozenModel::isConvolution(node))
        return std::nullopt;
    const auto padding = torch::jit::toIValue(node->input(4));
    if (!padding->isString() || padding->toStringRef() != "same")
        return std::nullopt;
    const auto w = torch::jit::toIValue(node->input(1))->toTensor();
    const auto dilation = NodeConstants::ints(node->input(5), "dilation", node);
    std::array<int64_t, 4> sides{};
    for (size_t d = 0; d < 2; ++d) {
        const int64_t total = dilation[d] * (w.size(int64_t(2 + d)) - 1);
        sides[2 * d] = total / 2;
        sides[2 * d + 1] = total - total / 2;
    }
    return sides;
}

// Whether PyTorch pads as much before as after along both axes (an odd kernel, or an even
// one dilated by an even factor): then the layer's own padding holds it.
bool evenly(const std::array<int64_t, 4> &sides)
{
    return sides[0] == sides[1] && sides[2] == sides[3];
}

} // namespace

uint32_t PackedLayer::inputChannels(const Node *node)
{
    const auto perGroup = torch::jit::toIValue(node->input(1))->toTensor().size(1);
    return uint32_t(perGroup) * (model::FrozenModel::isLinear(node) ? 1 : groupsOf(node));
}

std::optional<qsm::Op> PackedLayer::unevenPadding(const Node *node)
{
    const auto same = samePadding(node);
    if (!same || evenly(*same))
        return std::nullopt;
    qsm::Op pad;
    pad.kind = qsm::OpKind::Pad;
    pad.padTop = uint32_t((*same)[0]), pad.padBottom = uint32_t((*same)[1]);
    pad.padLeft = uint32_t((*same)[2]), pad.padRight = uint32_t((*same)[3]);
    return pad;
}

qsm::Layer PackedLayer::encode(const Node *node, const LayerGrids &grids,
                               const MethodState::LayerState *bases)
{
    qsm::Layer l;
    const bool linear = model::FrozenModel::isLinear(node);
    const auto w =
        torch::jit::toIValue(node->input(1))->toTensor().to(torch::kFloat32).contiguous();
    l.kind = linear ? qsm::OpKind::Linear : qsm::OpKind::Conv;
    l.outChannels = uint32_t(w.size(0));
    l.inChannels = uint32_t(w.size(1));
    if (!linear) {
        l.kernelH = uint32_t(w.size(2));
        l.kernelW = uint32_t(w.size(3));
        l.groups = groupsOf(node);
        const auto stride = NodeConstants::ints(node->input(3), "stride", node);
        const auto padding = torch::jit::toIValue(node->input(4));
        // "valid" is none; "same" the layer's where even, else all of it a pad op's.
        std::vector<int64_t> pad{0, 0};
        if (const auto same = samePadding(node); same && evenly(*same))
            pad = {(*same)[0], (*same)[2]};
        else if (!padding->isString())
            pad = padding->toIntVector();
        const auto dilation = NodeConstants::ints(node->input(5), "dilation", node);
        l.strideH = uint32_t(stride[0]), l.strideW = uint32_t(stride[1]);
        l.padH = uint32_t(pad[0]), l.padW = uint32_t(pad[1]);
        l.dilationH = uint32_t(dilation[0]), l.dilationW = uint32_t(dilation[1]);
        if (node->kind() == c10::aten::_convolution &&
            torch::jit::toIValue(node->input(6))->toBool())
            throw Error(grids.name + ": transposed convolution is not expressible");
    }
    if (const auto bias = torch::jit::toIValue(node->input(2)); bias && bias->isTensor())
        l.bias = NodeConstants::floats(bias->toTensor());
    if (grids.activation) {
        const auto &a = *grids.activation;
        l.input = {uint32_t(a.bits), float(a.scale), float(a.zeroPoint), int32_t(a.qmin),
                   int32_t(a.qmax)};
    }
    const auto rows = w.view({w.size(0), -1});
    if (bases) {
        encodeBases(l, *bases, rows, grids.name);
        return l;
    }
    if (grids.levels <= 0) { // a layer the run kept in float
        l.encoding = qsm::WeightEncoding::Float32;
        l.weights.assign(rows.data_ptr<float>(), rows.data_ptr<float>() + rows.numel());
        return l;
    }
    l.encoding = qsm::WeightEncoding::Uniform;
    l.bits = bitsFor(grids.levels);
    l.codes.assign(l.outChannels * l.rowBytes(), 0);
    const bool perChannel = grids.low.size() == l.outChannels;
    if (!perChannel && grids.low.size() != 1)
        throw Error(grids.name + ": the run's grid has " + std::to_string(grids.low.size()) +
                    " channels, the layer " + std::to_string(l.outChannels));
    double worst = 0;
    for (uint32_t c = 0; c < l.outChannels; ++c) {
        const double low = grids.low[perChannel ? c : 0];
        const double step = std::max(grids.step[perChannel ? c : 0], 1e-30);
        l.scale.push_back(float(step));
        l.zeroPoint.push_back(float(-low / step));
        const float *row = rows[c].data_ptr<float>();
        for (size_t k = 0; k < l.rowElements(); ++k) {
            const double u = (row[k] - low) / step;
            const double code = std::clamp(std::nearbyint(u), 0.0, double(grids.levels - 1));
            worst = std::max(worst, std::abs(u - code));
            l.setCode(c, k, uint32_t(code));
        }
    }
    if (worst > 1e-2)
        throw Error(grids.name + ": its weights lie up to " + std::to_string(worst) +
                    " steps off the run's grid; the run's files do not belong together");
    return l;
}


} // namespace quantscope::deploy
