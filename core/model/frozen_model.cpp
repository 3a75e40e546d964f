// SPDX-License-Identifier: MIT
#include "frozen_model.h"

#include "error.h"

#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_conv_folding.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <set>

namespace quantscope::model {

namespace {

// Ops that hold weights we would have to quantize but cannot: failing loudly beats a run that
// silently leaves them in float.
const std::set<std::string> kUnsupportedOps = {
    "aten::conv1d",         "aten::conv3d",        "aten::conv_transpose1d",
    "aten::conv_transpose2d", "aten::conv_transpose3d", "aten::lstm",
    "aten::gru",            "aten::rnn_tanh",      "aten::rnn_relu",
    "aten::embedding",
};

bool isConstantTensor(const torch::jit::Value *v)
{
    return v->node()->kind() == c10::prim::Constant && v->type()->cast<c10::TensorType>();
}

std::string describeNode(const torch::jit::Node *node)
{
    std::string where;
    for (const auto *out : node->outputs())
        where += (where.empty() ? "" : ", ") + std::string("%") + out->debugName();
    return std::string(node->kind().toQualString()) + " (producing " + where + ")";
}

void configureInterpreter()
{
    // The simple interpreter runs our instrumented graphs as written; the profiling executor
    // would specialise them on the first inputs it sees (see DESIGN.md, Model import).
    torch::jit::getProfilingMode() = false;
    torch::jit::getExecutorMode() = false;
}

} // namespace

bool FrozenModel::isConvolution(const torch::jit::Node *node)
{
    return node->kind() == c10::aten::_convolution || node->kind() == c10::aten::conv2d ||
           node->kind() == c10::aten::_convolution_mode;
}

size_t FrozenModel::groupsInput(const torch::jit::Node *node)
{
    return node->kind() == c10::aten::_convolution ? 8 : 6;
}

bool FrozenModel::isLinear(const torch::jit::Node *node)
{
    return node->kind() == c10::aten::linear;
}

FrozenModel::FrozenModel(const std::string &path) : m_path(path)
{
    configureInterpreter();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw Error(path + ": no such model file");

    torch::jit::ExtraFilesMap extra{{"quantscope.json", ""}};
    try {
        m_module = torch::jit::load(path, c10::nullopt, extra);
    } catch (const c10::Error &e) {
        throw Error(path + ": not a readable TorchScript model (truncated, or not saved by "
                           "torch.jit.save): " + errorLine(e.what_without_backtrace()));
    }
    m_metadataJson = extra["quantscope.json"];

    try {
        m_module.eval();
        m_module = torch::jit::freeze_module(m_module);
        m_graph = m_module.get_method("forward").graph();
        torch::jit::Inline(*m_graph);
        torch::jit::ConstantPropagation(m_graph);
        torch::jit::FoldFrozenConvBatchnorm(m_graph);
        torch::jit::ConstantPropagation(m_graph);
        torch::jit::EliminateDeadCode(m_graph);
    } catch (const c10::Error &e) {
        throw Error(path + ": cannot prepare the model's graph: " +
                    errorLine(e.what_without_backtrace()));
    }
    findLayers();
}

void FrozenModel::findLayers()
{
    std::function<void(torch::jit::Block *, bool)> visit = [&](torch::jit::Block *block,
                                                               bool nested) {
        for (auto *node : block->nodes()) {
            const std::string kind = node->kind().toQualString();
            if (kUnsupportedOps.count(kind))
                throw Error(m_path + ": unsupported op " + kind + " at " + describeNode(node));
            const bool conv = isConvolution(node);
            if (conv && node->kind() == c10::aten::_convolution &&
                torch::jit::toIValue(node->input(6)).value_or(false).toBool())
                throw Error(m_path + ": unsupported op transposed convolution at " +
                            describeNode(node));
            const bool product = node->kind() == c10::aten::matmul ||
                                 node->kind() == c10::aten::mm ||
                                 node->kind() == c10::aten::addmm;
            if (product && std::any_of(node->inputs().begin(), node->inputs().end(),
                                       [](const torch::jit::Value *v) {
                                           return isConstantTensor(v) &&
                                                  torch::jit::toIValue(v)->toTensor().dim() >= 2;
                                       }))
                m_floatProducts.push_back(describeNode(node) +
                                          ": a matrix product with a constant, not a layer");
            if ((conv || isLinear(node)) && !isConstantTensor(node->input(1))) {
                m_floatProducts.push_back(describeNode(node) +
                                          ": its weight is computed by the model");
            } else if (conv || isLinear(node)) {
                const auto w = torch::jit::toIValue(node->input(1))->toTensor();
                if (conv && w.dim() != 4)
                    throw Error(m_path + ": unsupported op " + std::to_string(w.dim() - 2) +
                                "-d convolution at " + describeNode(node));
                if (nested)
                    throw Error(m_path + ": layer " + describeNode(node) +
                                " sits inside control flow (if/loop), which is not supported");
                m_layerNodes.push_back(node);
                m_layerNames.push_back(node->input(1)->debugName());
            }
            for (auto *sub : node->blocks())
                visit(sub, true);
        }
    };
    visit(m_graph->block(), false);
    if (m_layerNodes.empty())
        throw Error(m_path + ": the model has no conv2d or linear layer with constant weights");
}

std::string FrozenModel::layerName(size_t index) const
{
    // Frozen constants keep their attribute path: "self.layer1.conv1.weight_fused_bn".
    std::string name = m_layerNames.at(index);
    if (name.rfind("self.", 0) == 0)
        name.erase(0, 5);
    for (const char *suffix : {".weight_fused_bn", ".weight"}) {
        const auto pos = name.rfind(suffix);
        if (pos != std::string::npos && pos + std::strlen(suffix) == name.size()) {
            name.erase(pos);
            break;
        }
    }
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
        name = (isLinear(m_layerNodes.at(index)) ? "linear" : "conv") + std::to_string(index);
    return name;
}

} // namespace quantscope::model
