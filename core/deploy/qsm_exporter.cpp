// SPDX-License-Identifier: MIT
#include "qsm_exporter.h"

#include "error.h"
#include "format/qsm_writer.h"
#include "format/shape_inference.h"
#include "json_field.h"
#include "model/frozen_model.h"
#include "model/model_metadata.h"
#include "node_constants.h"
#include "norm_node.h"
#include "packed_layer.h"
#include "pad_node.h"
#include "pointwise_node.h"
#include "pool_node.h"
#include "resize_node.h"
#include "run_grids.h"
#include "store/method_state.h"

#include <nlohmann/json.hpp>
#include <torch/csrc/jit/ir/ir.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace quantscope::deploy {

namespace {

using store::MethodState;
using torch::jit::Node;
using torch::jit::Value;

std::optional<c10::IValue> constant(Value *v)
{
    return torch::jit::toIValue(v);
}

// A node that computes no tensor (nor list of tensors: a chunk's): an aten op on sizes and
// integers, or an If whose branches do nothing but raise.
bool isShapeBookkeeping(const Node *node)
{
    for (const Value *out : node->outputs())
        if (out->type()->cast<c10::TensorType>() ||
            out->type()->isSubtypeOf(*c10::ListType::ofTensors()))
            return false;
    if (node->kind() == c10::prim::If) {
        for (const auto *block : node->blocks())
            for (const Node *inner : block->nodes())
                if (inner->kind() != c10::prim::RaiseException)
                    return false;
        return node->outputs().empty();
    }
    return node->kind().is_aten();
}

// add, sub or rsub, in place or not.
bool addition(c10::Symbol kind)
{
    return kind == c10::aten::add || kind == c10::aten::add_ || kind == c10::aten::sub ||
           kind == c10::aten::sub_ || kind == c10::aten::rsub;
}

// A channel shuffle as torchvision's ShuffleNetV2 writes it, seen part by part: x viewed as
// N×groups×(C/groups)×H×W, then transposed in its dimensions 1 and 2, then viewed back.
struct PendingShuffle
{
    Value *input;
    int64_t groups;
    bool transposed;
};

} // namespace

qsm::Model QsmExporter::build(const store::RunRecord &run)
{
    if (run.status != "finished" || run.artifact.empty())
        throw Error("run #" + std::to_string(run.id) + " is " + run.status +
                    ": only a finished run has a quantized model to export");
    const auto grids = RunGrids::load(RunGrids::pathBeside(run.artifact));
    // ALQ's layers are binary bases with per-group scales, kept beside the model.
    std::vector<MethodState::LayerState> bases;
    if (run.method == "alq")
        bases = MethodState::load(MethodState::pathBeside(run.artifact), grids.size(),
                                  {"bases", "scales", "mask", "grouping"});
    model::FrozenModel frozen(run.artifact);
    const auto &layerNodes = frozen.layerNodes();
    if (layerNodes.size() != grids.size())
        throw Error(run.artifact + " has " + std::to_string(layerNodes.size()) +
                    " layers, its grids " + std::to_string(grids.size()));

    qsm::Model m;
    m.source = "run #" + std::to_string(run.id) + " " + run.method + " " + run.bitsLabel() +
               " of " + run.model;
    const auto config = nlohmann::json::parse(run.configJson, nullptr, false);
    const auto meta = model::ModelMetadata::parse(frozen.metadataJson());
    m.mean = jsonField(config, "mean", meta.mean);
    m.std = jsonField(config, "std", meta.std);

    std::unordered_map<const Node *, size_t> layerOf;
    for (size_t i = 0; i < layerNodes.size(); ++i)
        layerOf[layerNodes[i]] = i;
    std::unordered_map<const Value *, uint32_t> ids;
    auto graph = frozen.graph();
    for (Value *input : graph->inputs())
        if (input->type()->cast<c10::TensorType>())
            ids[input] = 0;
    auto idOf = [&](Value *v, const Node *node) {
        const auto it = ids.find(v);
        if (it == ids.end())
            NodeConstants::refuse(node, "an input is not a tensor the model computes");
        return it->second;
    };
    // The op appended with these inputs (value ids) and a new output value, returned.
    auto append = [&](qsm::Op op, std::vector<uint32_t> inputs) {
        op.inputs = std::move(inputs);
        op.output = m.valueCount++;
        m.ops.push_back(op);
        return op.output;
    };
    auto emitTo = [&](qsm::Op op, const Value *output, const Node *node,
                      std::vector<Value *> inputs) {
        std::vector<uint32_t> inputIds;
        for (Value *v : inputs)
            inputIds.push_back(idOf(v, node));
        ids[output] = append(std::move(op), std::move(inputIds));
    };
    auto emit = [&](qsm::Op op, const Node *node, std::vector<Value *> inputs) {
        emitTo(std::move(op), node->output(), node, std::move(inputs));
    };
    // The input shape: the model's record, else the size the run fed with the channels of the
    // first layer (as the run chose them), which need not be the graph's first op: a model may
    // normalise its input first.
    const int64_t firstIn = PackedLayer::inputChannels(layerNodes.front());
    auto setInputShape = [&] {
        std::vector<int64_t> shape = meta.inputShape;
        if (const int64_t size = jsonField<int64_t>(config, "image_size", 0); size > 0)
            shape = {firstIn, size, size};
        if (shape.size() != 3)
            throw Error("run #" + std::to_string(run.id) + " records no input size to export with");
        m.channels = uint32_t(shape[0]), m.height = uint32_t(shape[1]);
        m.width = uint32_t(shape[2]);
    };
    // The shape of a value the model computes, at the fixed input.
    auto shapeOf = [&](Value *v, const Node *node) {
        setInputShape();
        return qsm::ShapeInference::infer(m)[idOf(v, node)];
    };
    // An integer the model reads off a value it computes (aten::size, through aten::Int and
    // prim::NumToTensor as tracing records it: F.avg_pool2d(x, x.size()[2:])), at the fixed
    // input and a batch of one; else a constant, or none.
    const auto knownInt = [&](Value *v) -> std::optional<int64_t> {
        if (const auto c = NodeConstants::integer(v))
            return c;
        Node *n = v->node();
        while ((n->kind() == c10::aten::Int || n->kind() == c10::prim::NumToTensor) &&
               n->inputs().size() == 1)
            n = n->input(0)->node();
        const auto dim = n->kind() == c10::aten::size && n->inputs().size() == 2
                             ? NodeConstants::integer(n->input(1))
                             : std::nullopt;
        if (!dim || !ids.count(n->input(0)))
            return std::nullopt;
        const auto shape = shapeOf(n->input(0), n);
        std::vector<int64_t> sizes{1}; // the batch, then the image's
        sizes.insert(sizes.end(), shape.begin(), shape.end());
        const int64_t d = *dim < 0 ? *dim + int64_t(sizes.size()) : *dim;
        return d >= 0 && d < int64_t(sizes.size()) ? std::optional<int64_t>(sizes[size_t(d)])
                                                   : std::nullopt;
    };
    // A list of integers, constant or read off the map (knownInt); none if any is neither.
    const auto knownInts = [&](Value *list) -> std::optional<std::vector<int64_t>> {
        if (list->node()->kind() != c10::prim::ListConstruct) {
            const auto c = constant(list);
            return c && c->isIntList() ? std::optional(c->toIntVector()) : std::nullopt;
        }
        std::vector<int64_t> values;
        for (Value *v : list->node()->inputs()) {
            const auto known = knownInt(v);
            if (!known)
                return std::nullopt;
            values.push_back(*known);
        }
        return values;
    };
    const auto ints = [&](Value *list, const char *what, const Node *node) {
        const auto values = knownInts(list);
        return values ? *values : NodeConstants::ints(list, what, node); // the refusal, by name
    };
    // A view or reshape to 1 × all the elements at the fixed input (x.view(x.size(0), -1),
    // x.view(-1, 256), x.reshape(x.shape[0], x.shape[1]) after a global pool), or a squeeze of
    // a map or vector with one size other than 1 (x.squeeze(), x.squeeze(-1).squeeze(-1)): the
    // values in C×H×W order as one vector, as hand-written heads write a flatten.
    const auto flattening = [&](Node *node) {
        const bool squeeze = node->kind() == c10::aten::squeeze ||
                             node->kind() == c10::aten::squeeze_;
        const bool view = node->kind() == c10::aten::view || node->kind() == c10::aten::reshape;
        if (!squeeze && !view)
            return false;
        const auto shape = shapeOf(node->input(0), node);
        if (squeeze)
            return std::count_if(shape.begin(), shape.end(), [](uint32_t n) { return n != 1; }) <=
                   1;
        auto sizes = knownInts(node->input(1)).value_or(std::vector<int64_t>());
        const auto elements = int64_t(qsm::ShapeInference::elements(shape));
        if (sizes.size() != 2)
            return false;
        for (size_t i = 0; i < 2; ++i) // -1: what the other leaves over
            if (sizes[i] == -1 && sizes[1 - i] > 0)
                sizes[i] = elements / sizes[1 - i];
        return sizes == std::vector<int64_t>{1, elements};
    };
    // Maps the model holds permuted to channels last (x.permute(0, 2, 3, 1): N×H×W×C), as
    // ConvNeXt's blocks do for their layer norms and the linear layers that are their 1×1
    // convs. The packed value is the map itself: the format fixes no layout.
    std::unordered_set<const Value *> channelsLast;
    const auto permuted = [&](const Value *v) { return channelsLast.count(v) > 0; };
    // What is the same on a map permuted to channels last, given its channel axis: a layer
    // norm, a linear layer, an element-wise op, arithmetic with a constant per channel, an
    // add or product of two such maps.
    const auto sameOnChannelsLast = [&](Node *node) {
        const auto kind = node->kind();
        const bool tensors = std::all_of(node->inputs().begin(), node->inputs().end(),
                                         [&](Value *v) { return permuted(v) || constant(v); });
        return (layerOf.count(node) && model::FrozenModel::isLinear(node)) ||
               kind == c10::aten::layer_norm || kind == c10::aten::dropout ||
               kind == c10::aten::dropout_ ||
               kind == c10::aten::contiguous || kind == c10::aten::clone ||
               kind == c10::aten::detach ||
               PointwiseNode::of(node, [&](Value *v) { return shapeOf(v, node); }, true) ||
               (tensors && (addition(kind) || kind == c10::aten::mul || kind == c10::aten::mul_));
    };
    std::unordered_map<const Value *, PendingShuffle> shuffles;
    // A chunk's or split's list of pieces along the channels: its input, each piece's channels.
    std::unordered_map<const Value *, std::pair<Value *, std::vector<int64_t>>> chunks;
    // Whether dim is the channel axis of a value of this shape (C×H×W or a vector, batch first).
    const auto channelAxis = [](std::optional<int64_t> dim, const qsm::Shape &shape) {
        return dim == 1 || dim == -int64_t(shape.size());
    };
    // A value the model computes, or a part of one not yet expressed (a shuffle, a chunk).
    const auto computed = [&](const Value *v) {
        return ids.count(v) || shuffles.count(v) || chunks.count(v);
    };
    const auto readsComputed = [&](const Node *n) { // directly or through a list
        return std::any_of(n->inputs().begin(), n->inputs().end(), [&](const Value *v) {
            return computed(v) || (v->node()->kind() == c10::prim::ListConstruct &&
                                   std::any_of(v->node()->inputs().begin(),
                                               v->node()->inputs().end(), computed));
        });
    };
    // The ops of the layer norms a model writes out, but their last, which stands for them.
    std::unordered_set<const Node *> inWrittenOutNorm;
    for (Node *node : graph->nodes())
        for (const Node *part : NormNode::writtenOutParts(node))
            inWrittenOutNorm.insert(part);
    for (Node *node : graph->nodes()) {
        const auto kind = node->kind();
        qsm::Op op;
        if (inWrittenOutNorm.count(node))
            continue;
        if (const auto norm =
                NormNode::writtenOut(node, [&](Value *v) { return shapeOf(v, node); })) {
            if (permuted(norm->input)) // its mean(1) is over the rows there
                NodeConstants::refuse(node, "a layer norm written out over the rows of a map "
                                            "permuted to channels last");
            emit(norm->op, node, {norm->input});
            continue;
        }
        // Constants, lists and shape bookkeeping (a size, its length, a comparison; a size as a
        // tensor, divided: ShuffleNet's channels per group) are read where a tensor op uses
        // them, never computed on the device; a guard that only raises on a wrong input
        // (scripted functionals check ranks so) holds for the fixed input. A tensor op that
        // needs such a value as a tensor fails below, by name.
        if (kind == c10::prim::Constant || kind == c10::prim::ListConstruct ||
            isShapeBookkeeping(node) ||
            ((kind.is_aten() || kind == c10::prim::NumToTensor) && !readsComputed(node)))
            continue;
        const bool onChannelsLast =
            std::any_of(node->inputs().begin(), node->inputs().end(), permuted);
        if (kind == c10::aten::permute) {
            const auto dims = NodeConstants::ints(node->input(1), "permutation", node);
            const bool there = !onChannelsLast && dims == std::vector<int64_t>{0, 2, 3, 1} &&
                               shapeOf(node->input(0), node).size() == 3;
            if (!there && !(onChannelsLast && dims == std::vector<int64_t>{0, 3, 1, 2}))
                NodeConstants::refuse(node, "a permute other than of a map to channels last "
                                            "(0, 2, 3, 1) and back (0, 3, 1, 2)");
            ids[node->output()] = idOf(node->input(0), node);
            if (there)
                channelsLast.insert(node->output());
            continue;
        }
        if (onChannelsLast && !sameOnChannelsLast(node))
            NodeConstants::refuse(node, "an op on a map permuted to channels last other than a "
                                        "layer norm, a linear layer or an element-wise op");
        const bool view = kind == c10::aten::view || kind == c10::aten::reshape;
        const auto sizes = view ? NodeConstants::sizes(node->input(1))
                                : std::vector<std::optional<int64_t>>();
        if (const auto it = node->inputs().empty() ? shuffles.end() : shuffles.find(node->input(0));
            it != shuffles.end()) {
            // The shuffle's next part, or the op that ends it.
            const auto pending = it->second;
            if (kind == c10::aten::contiguous) {
                shuffles[node->output()] = pending;
            } else if (kind == c10::aten::transpose && !pending.transposed &&
                       NodeConstants::integer(node->input(1)) == 1 &&
                       NodeConstants::integer(node->input(2)) == 2) {
                shuffles[node->output()] = {pending.input, pending.groups, true};
            } else if (pending.transposed && sizes.size() == 4) {
                op.kind = qsm::OpKind::ChannelShuffle;
                op.groups = uint32_t(pending.groups);
                emit(op, node, {pending.input});
            } else {
                NodeConstants::refuse(node, "a view of channels in groups that is not a channel "
                                            "shuffle");
            }
            continue;
        }
        if (kind == c10::prim::ListUnpack && chunks.count(node->input(0))) {
            // The pieces of a chunk or split along the channels, each a channel slice.
            const auto &[input, pieces] = chunks.at(node->input(0));
            int64_t first = 0;
            for (size_t k = 0; k < node->outputs().size() && k < pieces.size(); ++k) {
                op.kind = qsm::OpKind::ChannelSlice;
                op.first = uint32_t(first);
                op.count = uint32_t(pieces[k]);
                first += pieces[k];
                if (node->output(k)->hasUses())
                    emitTo(op, node->output(k), node, {input});
            }
            continue;
        }
        if (const auto it = layerOf.find(node); it != layerOf.end()) {
            // A linear layer over each pixel's channels is a 1×1 conv of the map.
            const bool linear = model::FrozenModel::isLinear(node) && !onChannelsLast;
            op.kind = linear ? qsm::OpKind::Linear : qsm::OpKind::Conv;
            op.layer = uint32_t(m.layers.size());
            m.layers.push_back(PackedLayer::encode(node, grids[it->second],
                                                   bases.empty() ? nullptr : &bases[it->second]));
            m.layers.back().kind = op.kind;
            uint32_t in = idOf(node->input(0), node);
            if (const auto pad = PackedLayer::unevenPadding(node))
                in = append(*pad, {in});
            ids[node->output()] = append(op, {in});
        } else if (auto pointwise = PointwiseNode::of(
                       node, [&](Value *v) { return shapeOf(v, node); }, onChannelsLast)) {
            emit(pointwise->op, node, {pointwise->input});
        } else if (addition(kind)) {
            // a + α·b, a − α·b (sub) or b − α·a (rsub) of two tensors: an add, the scaled one
            // through a channel affine where its factor is not 1 (PoolFormer's pool(x) − x).
            const double alpha = NodeConstants::number(node->input(2)).value_or(1.0);
            const bool reversed = kind == c10::aten::rsub;
            Value *scaled = node->input(reversed ? 0 : 1);
            const double factor =
                kind == c10::aten::add || kind == c10::aten::add_ ? alpha : -alpha;
            uint32_t term = idOf(scaled, node);
            if (factor != 1.0)
                term = append(PointwiseNode::scaling(shapeOf(scaled, node)[0], float(factor)),
                              {term});
            op.kind = qsm::OpKind::Add;
            ids[node->output()] = append(op, {idOf(node->input(reversed ? 1 : 0), node), term});
        } else if (kind == c10::aten::softmax || kind == c10::aten::log_softmax) {
            // A classifier's last op, over its features.
            const auto dim = NodeConstants::integer(node->input(1));
            const auto type = constant(node->input(2));
            if (shapeOf(node->input(0), node).size() != 1 || (dim != 1 && dim != -1) ||
                (type && !type->isNone() && type->toScalarType() != torch::kFloat))
                NodeConstants::refuse(node,
                                      "a softmax other than over a vector's features in float");
            op.kind = qsm::OpKind::Softmax;
            op.log = kind == c10::aten::log_softmax ? 1 : 0;
            emit(op, node, {node->input(0)});
        } else if (kind == c10::aten::mul || kind == c10::aten::mul_) {
            // Two tensors (squeeze-and-excitation's scale · map); a constant was PointwiseNode's.
            op.kind = qsm::OpKind::Mul;
            emit(op, node, {node->input(0), node->input(1)});
        } else if (const auto pool = PoolNode::of(
                       node, [&](Value *v) { return shapeOf(v, node); },
                       [&](Value *v, const char *what) { return ints(v, what, node); })) {
            uint32_t out = idOf(pool->input, node);
            for (const auto &step : pool->chain)
                out = append(step, {out});
            ids[pool->output] = out;
        } else if (const auto resize = ResizeNode::of(
                       node, [&](Value *v) { return shapeOf(v, node); },
                       [&](Value *v, const char *what) { return ints(v, what, node); })) {
            emit(resize->op, node, {node->input(0)});
        } else if (kind == c10::aten::cat) {
            // Branches joined along the channels: Inception, DenseNet, SqueezeNet's fire.
            Node *list = node->input(0)->node();
            if (list->kind() != c10::prim::ListConstruct)
                NodeConstants::refuse(node, "a list of tensors the model builds at run time");
            std::vector<Value *> parts(list->inputs().begin(), list->inputs().end());
            int64_t dim = constant(node->input(1))->toInt();
            if (dim < 0) // counted from the end of the part's N×C×H×W or N×F shape
                dim += int64_t(shapeOf(parts[0], node).size()) + 1;
            if (dim != 1)
                NodeConstants::refuse(node, "concatenation along another axis than the channels");
            if (parts.size() == 1) {
                ids[node->output()] = idOf(parts[0], node);
                continue;
            }
            op.kind = qsm::OpKind::Concat;
            emit(op, node, parts);
        } else if (const auto norm = NormNode::of(
                       node, [&](Value *v) { return shapeOf(v, node); }, onChannelsLast)) {
            // A batch norm the import could not fold into a conv before it (DenseNet's and
            // pre-activation ResNets' norm → relu → conv), a group, instance or layer norm.
            emit(norm->op, node, {norm->input});
        } else if (kind == c10::aten::chunk || kind == c10::aten::split ||
                   kind == c10::aten::split_with_sizes) {
            // Along the channels; the pieces become slices where a ListUnpack takes them.
            const auto shape = shapeOf(node->input(0), node);
            const int64_t channels = shape[0];
            std::vector<int64_t> pieces;
            if (kind == c10::aten::split_with_sizes) {
                for (const auto size : NodeConstants::sizes(node->input(1)))
                    pieces.push_back(size.value_or(0));
            } else if (const auto n = NodeConstants::integer(node->input(1)); n && *n > 0) {
                const int64_t size = kind == c10::aten::chunk ? (channels + *n - 1) / *n : *n;
                for (int64_t first = 0; first < channels; first += size)
                    pieces.push_back(std::min(size, channels - first));
            }
            int64_t total = 0;
            for (const int64_t size : pieces)
                total = size > 0 ? total + size : -1;
            if (!channelAxis(NodeConstants::integer(node->input(2)), shape) || pieces.empty() ||
                total != channels)
                NodeConstants::refuse(node, "a split along another axis than the channels, or in "
                                            "pieces of a size the model computes");
            chunks[node->output()] = {node->input(0), pieces};
        } else if (kind == c10::aten::slice) {
            // x[:, a:b]: a channel slice (GhostNet's out[:, :oup]); x[:] of the batch of one
            // image, or of a whole axis, is the value itself; x[:, :, ::2, ::2] every other row
            // and column from the first (CIFAR ResNets' option-A shortcut), a max pool of 1×1
            // windows at that stride.
            const auto shape = shapeOf(node->input(0), node);
            const int64_t rank = int64_t(shape.size()) + 1; // with the batch
            const auto dim = NodeConstants::integer(node->input(1));
            const int64_t axis = dim ? (*dim < 0 ? *dim + rank : *dim) : -1;
            const int64_t size = axis >= 1 && axis < rank ? int64_t(shape[size_t(axis - 1)]) : 1;
            const auto bound = [&](size_t i, int64_t open) -> std::optional<int64_t> {
                const auto c = constant(node->input(i));
                if (c && c->isNone())
                    return open;
                return NodeConstants::integer(node->input(i));
            };
            const auto step = NodeConstants::integer(node->input(4));
            const auto start = bound(2, 0), end = bound(3, std::numeric_limits<int64_t>::max());
            const auto within = [&](int64_t i) {
                return std::clamp(i < 0 ? i + size : i, int64_t(0), size);
            };
            const bool all = start == 0 && end && within(*end) == size;
            if (step == 1 && (axis == 0 || all)) {
                ids[node->output()] = idOf(node->input(0), node);
                continue;
            }
            if (rank == 4 && (axis == 2 || axis == 3) && step > 1 && all) {
                op.kind = qsm::OpKind::MaxPool;
                op.strideH = uint32_t(axis == 2 ? *step : 1);
                op.strideW = uint32_t(axis == 3 ? *step : 1);
                emit(op, node, {node->input(0)});
                continue;
            }
            if (axis != 1 || step != 1 || !start || !end || within(*end) <= within(*start))
                NodeConstants::refuse(node, "a slice that is not a run of channels, nor every n-th "
                                            "row or column from the first");
            op.kind = qsm::OpKind::ChannelSlice;
            op.first = uint32_t(within(*start));
            op.count = uint32_t(within(*end) - within(*start));
            emit(op, node, {node->input(0)});
        } else if (const auto pad = PadNode::of(node)) {
            const auto &widths = pad->widths;
            const auto shape = shapeOf(node->input(0), node);
            if (shape.size() != 3)
                NodeConstants::refuse(node, "a pad of a vector");
            if (!widths[4] && !widths[5]) { // rows and columns: a pad op
                op.kind = qsm::OpKind::Pad;
                op.padMode = pad->mode;
                op.padLeft = uint32_t(widths[0]), op.padRight = uint32_t(widths[1]);
                op.padTop = uint32_t(widths[2]), op.padBottom = uint32_t(widths[3]);
                emit(op, node, {node->input(0)});
                continue;
            }
            // F.pad(x, (0, 0, 0, 0, a, b)): a zero channels before x and b after (CIFAR
            // ResNets' option-A shortcut), each a slice of x scaled by zero, joined by a concat.
            const auto fits = [&](int64_t n) { return n <= int64_t(shape[0]); };
            if (pad->mode != qsm::PadMode::Zeros || widths[0] || widths[1] || widths[2] ||
                widths[3] || !fits(widths[4]) || !fits(widths[5]))
                NodeConstants::refuse(node, "a pad of channels other than zeros, at most the "
                                            "map's, before and after");
            const uint32_t x = idOf(node->input(0), node);
            const auto zeros = [&](int64_t count) {
                qsm::Op slice;
                slice.kind = qsm::OpKind::ChannelSlice;
                slice.count = uint32_t(count);
                return append(PointwiseNode::scaling(uint32_t(count), 0.0f),
                              {append(slice, {x})});
            };
            std::vector<uint32_t> parts;
            if (widths[4] > 0)
                parts.push_back(zeros(widths[4]));
            parts.push_back(x);
            if (widths[5] > 0)
                parts.push_back(zeros(widths[5]));
            if (parts.size() == 1) {
                ids[node->output()] = x;
                continue;
            }
            op.kind = qsm::OpKind::Concat;
            ids[node->output()] = append(op, parts);
        } else if (view && sizes.size() == 5 && sizes[1] &&
                   shapeOf(node->input(0), node).size() == 3) {
            // N×C×H×W as N×groups×(C/groups)×H×W: a channel shuffle begins.
            shuffles[node->output()] = {node->input(0), *sizes[1], false};
        } else if (flattening(node)) {
            op.kind = qsm::OpKind::Flatten;
            emit(op, node, {node->input(0)});
        } else if (kind == c10::aten::flatten) {
            const auto start = constant(node->input(1))->toInt();
            const auto end = constant(node->input(2))->toInt();
            if (start != 1 || (end != -1 && end != 3))
                NodeConstants::refuse(node, "flatten from dimension 1 to the last only");
            op.kind = qsm::OpKind::Flatten;
            emit(op, node, {node->input(0)});
        } else if (kind == c10::aten::dropout || kind == c10::aten::dropout_ ||
                   kind == c10::aten::feature_dropout || kind == c10::aten::feature_dropout_ ||
                   kind == c10::aten::contiguous || kind == c10::aten::detach ||
                   kind == c10::aten::clone) {
            // The identity in inference; torchvision's heads use the in-place dropouts.
            ids[node->output()] = idOf(node->input(0), node);
        } else {
            throw Error("the packed format cannot express " + std::string(kind.toQualString()) +
                        " (" + NodeConstants::text(node) + ")");
        }
        if (onChannelsLast)
            channelsLast.insert(node->output());
    }
    if (graph->outputs().size() != 1)
        throw Error("the packed format needs a model with one output tensor");
    if (permuted(graph->outputs()[0]))
        NodeConstants::refuse(graph->return_node(), "an output permuted to channels last");
    m.output = idOf(graph->outputs()[0], graph->return_node());

    setInputShape();
    return m;
}

qsm::Model QsmExporter::exportRun(const store::RunRecord &run, const std::string &path)
{
    auto model = build(run);
    try {
        qsm::QsmWriter::write(model, path);
    } catch (const qsm::FormatError &e) {
        throw Error(std::string("run #") + std::to_string(run.id) + ": " + e.what());
    }
    return model;
}

} // namespace quantscope::deploy
