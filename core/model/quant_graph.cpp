// SPDX-License-Identifier: MIT
#include "quant_graph.h"

#include "error.h"
#include "frozen_model.h"
#include "graph_partitioner.h"
#include "model_metadata.h"
#include "store/atomic_file.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <numeric>

namespace quantscope::model {

namespace {

const c10::Symbol kWeightOp = c10::Symbol::fromQualString("quantscope::weight");
const c10::Symbol kActOp = c10::Symbol::fromQualString("quantscope::act");

// Whether the code reads its tensors' strides: view merges dimensions only where they lie in
// order in memory (a channels-last map cannot be viewed flat), and as_strided addresses the
// storage directly. Other ops take any layout and pass their input's on.
bool readsStrides(const torch::jit::Block *block)
{
    for (const auto *node : block->nodes()) {
        if (node->kind() == c10::aten::view || node->kind() == c10::aten::view_as ||
            node->kind() == c10::aten::as_strided)
            return true;
        for (const auto *inner : node->blocks())
            if (readsStrides(inner))
                return true;
    }
    return false;
}

} // namespace

QuantGraph::QuantGraph(const std::string &path) : m_path(path)
{
    FrozenModel frozen(path);
    m_metadataJson = frozen.metadataJson();
    m_floatProducts = frozen.floatProducts();
    auto graph = frozen.graph();

    std::unordered_map<const torch::jit::Node *, int> layerOfNode;
    std::vector<std::string> names;
    const auto &nodes = frozen.layerNodes();
    for (size_t i = 0; i < nodes.size(); ++i) {
        torch::jit::Node *node = nodes[i];
        const int id = static_cast<int>(i);
        const auto weight = torch::jit::toIValue(node->input(1))->toTensor().contiguous();

        LayerInfo info;
        info.id = id;
        info.name = frozen.layerName(i);
        info.kind = FrozenModel::isLinear(node) ? LayerKind::Linear : LayerKind::Conv;
        info.weightShape = weight.sizes().vec();
        info.params = weight.numel();
        if (auto bias = torch::jit::toIValue(node->input(2)); bias && bias->isTensor())
            info.biasParams = bias->toTensor().numel();
        ConvGeometry geometry;
        if (info.kind == LayerKind::Conv) {
            const auto groups = torch::jit::toIValue(node->input(FrozenModel::groupsInput(node)));
            info.groups = groups->toInt();
            geometry.stride = torch::jit::toIValue(node->input(3))->toIntVector();
            const auto padding = torch::jit::toIValue(node->input(4));
            if (padding->isString())
                geometry.samePadding = padding->toStringRef() == "same";
            else
                geometry.padding = padding->toIntVector();
            geometry.dilation = torch::jit::toIValue(node->input(5))->toIntVector();
        }
        m_convGeometry.push_back(geometry);
        m_layers.push_back(info);
        m_floatWeights.push_back(weight);
        names.push_back(info.name);
        layerOfNode[node] = id;

        // weight(id) replaces the constant; act(x, id) sits in front of the layer's input.
        torch::jit::WithInsertPoint guard(node);
        auto *idValue = graph->insertConstant(static_cast<int64_t>(id));
        auto *weightNode = graph->insertNode(graph->create(kWeightOp, {idValue}));
        weightNode->output()->setType(c10::TensorType::get());
        auto *actNode = graph->insertNode(graph->create(kActOp, {node->input(0), idValue}));
        actNode->output()->setType(c10::TensorType::get());
        node->replaceInput(1, weightNode->output());
        node->replaceInput(0, actNode->output());
    }
    torch::jit::EliminateDeadCode(graph);

    auto units = GraphPartitioner::partition(graph, layerOfNode, names);
    for (auto &unit : units) {
        m_units.push_back(unit.info);
        m_unitReadsStrides.push_back(readsStrides(unit.graph->block()));
        m_unitFunctions.push_back(std::make_unique<torch::jit::GraphFunction>(
            "unit" + std::to_string(m_units.size() - 1), unit.graph, nullptr));
    }
    m_inputShape = ModelMetadata::parse(m_metadataJson).inputShape;
    if (!m_inputShape.empty())
        probeShapes(m_inputShape);
}

void QuantGraph::moveTo(c10::Device device)
{
    if (device == m_device)
        return;
    for (auto &w : m_floatWeights)
        w = w.to(device);
    // Tensor constants (the folded biases) live in each unit's graph;
    // a GraphFunction caches its executor, so each unit gets a new one over the moved graph.
    for (size_t u = 0; u < m_unitFunctions.size(); ++u) {
        auto graph = m_unitFunctions[u]->graph()->copy();
        std::vector<torch::jit::Node *> constants;
        std::function<void(torch::jit::Block *)> collect = [&](torch::jit::Block *block) {
            for (auto *node : block->nodes()) {
                if (node->kind() == c10::prim::Constant &&
                    node->output()->type()->cast<c10::TensorType>())
                    constants.push_back(node);
                for (auto *inner : node->blocks())
                    collect(inner);
            }
        };
        collect(graph->block());
        for (auto *node : constants) {
            const auto value = torch::jit::toIValue(node->output())->toTensor();
            torch::jit::WithInsertPoint guard(node);
            node->output()->replaceAllUsesWith(graph->insertConstant(value.to(device)));
            node->destroy();
        }
        // The simple executor on a GPU: the profiling one specialises a graph on the inputs of
        // its first runs and fuses it, and a unit first run without gradients (a block's float
        // target) later returned outputs without them (BRECQ's rounding failed in backward()).
        m_unitFunctions[u] = std::make_unique<torch::jit::GraphFunction>(
            "unit" + std::to_string(u), graph, nullptr,
            device.is_cpu() ? c10::optional<torch::jit::ExecutorExecutionMode>()
                            : torch::jit::ExecutorExecutionMode::SIMPLE);
    }
    m_device = device;
}

QuantGraph::~QuantGraph() = default;
QuantGraph::QuantGraph(QuantGraph &&) noexcept = default;

int64_t QuantGraph::totalParams() const
{
    return std::accumulate(m_layers.begin(), m_layers.end(), int64_t{0},
                           [](int64_t sum, const LayerInfo &l) { return sum + l.params; });
}

int64_t QuantGraph::inputChannels() const
{
    const auto &first = m_layers.front();
    return first.kind == LayerKind::Conv ? first.weightShape[1] * first.groups : 0;
}

torch::Tensor QuantGraph::forward(const torch::Tensor &x, QuantSession &session) const
{
    return forward(x, session, nullptr);
}

torch::Tensor QuantGraph::forward(
    const torch::Tensor &x, QuantSession &session,
    const std::function<void(size_t, const torch::Tensor &)> &onUnitInput) const
{
    torch::Tensor value = x.to(m_device);
    for (size_t u = 0; u < m_unitFunctions.size(); ++u) {
        if (onUnitInput)
            onUnitInput(u, value);
        value = runUnit(u, value, session);
    }
    return value;
}

torch::Tensor QuantGraph::runUnit(size_t unit, const torch::Tensor &x, QuantSession &session) const
{
    QuantSession::Scope scope(session);
    // A cached input may be channels-last (BRECQ computes its units so on the CPU); the model's
    // own layout is the contiguous one, which every unit accepts.
    std::vector<c10::IValue> stack{m_unitReadsStrides.at(unit) ? x.contiguous() : x};
    m_unitFunctions.at(unit)->run(stack);
    return stack.front().toTensor();
}

void QuantGraph::probeShapes(const std::vector<int64_t> &inputShape)
{
    auto session = makeSession();
    session.setObserver([this](int layer, const torch::Tensor &input) {
        auto &info = m_layers.at(layer);
        info.inputShape = input.sizes().slice(1).vec();
        if (info.kind == LayerKind::Linear) { // once per position of a map in channels last
            info.macs = info.params * (input.numel() / input.size(0) / input.size(-1));
            return;
        }
        const auto &g = m_convGeometry.at(layer);
        int64_t positions = 1;
        for (int d = 0; d < 2; ++d) {
            const int64_t in = input.size(2 + d);
            const int64_t k = info.weightShape[2 + d];
            const int64_t out =
                g.samePadding ? (in + g.stride[d] - 1) / g.stride[d]
                              : (in + 2 * g.padding[d] - g.dilation[d] * (k - 1) - 1) / g.stride[d] + 1;
            positions *= out;
        }
        info.macs = positions * info.params;
    });
    std::vector<int64_t> shape{1};
    shape.insert(shape.end(), inputShape.begin(), inputShape.end());
    torch::NoGradGuard noGrad;
    std::string text;
    for (auto d : inputShape)
        text += (text.empty() ? "" : "x") + std::to_string(d);
    try {
        forward(torch::zeros(shape), session);
    } catch (const std::exception &e) { // c10::Error, or the interpreter's runtime_error
        throw Error(m_path + ": the model rejects inputs of shape " + text + ": " +
                    errorLine(e.what()));
    }
    // Every method runs batches: a model traced with its batch fixed at one (x.view(1, -1))
    // fails there, so it fails here, by name, rather than inside a method.
    shape[0] = 2;
    try {
        forward(torch::zeros(shape), session);
    } catch (const std::exception &e) { // c10::Error, or the interpreter's runtime_error
        throw Error(m_path + ": the model runs on one " + text + " input but not on a batch of "
                    "two (is its batch fixed, as by x.view(1, -1)?): " +
                    errorLine(e.what()));
    }
    m_inputShape = inputShape;
}

void QuantGraph::saveWithWeights(const std::vector<torch::Tensor> &weights,
                                 const std::string &path) const
{
    FrozenModel frozen(m_path);
    auto graph = frozen.graph();
    const auto &nodes = frozen.layerNodes();
    TORCH_CHECK(nodes.size() == weights.size(), "one weight per layer expected");
    for (size_t i = 0; i < nodes.size(); ++i) {
        torch::jit::WithInsertPoint guard(nodes[i]);
        nodes[i]->replaceInput(1, graph->insertConstant(weights[i].detach().cpu().contiguous()));
    }
    torch::jit::EliminateDeadCode(graph);
    torch::jit::ExtraFilesMap extra;
    if (!m_metadataJson.empty())
        extra["quantscope.json"] = m_metadataJson;
    store::AtomicFile::write(path, [&](const std::string &temporary) {
        try {
            frozen.module().save(temporary, extra);
        } catch (const c10::Error &e) {
            throw Error(path + ": cannot write the model: " +
                        errorLine(e.what_without_backtrace()));
        }
    });
}

} // namespace quantscope::model
