// SPDX-License-Identifier: MIT
// FrozenModel: a TorchScript file loaded, frozen, inlined and with BatchNorm folded into convs —
// the one preparation shared by the importer and the exporter of fake-quantized artifacts.
#pragma once

#include <torch/script.h>

#include <string>
#include <vector>

namespace quantscope::model {

class FrozenModel
{
public:
    // Throws quantscope::Error naming the file when it is missing, truncated or not TorchScript,
    // and naming the op when the graph holds a layer type we cannot quantize.
    explicit FrozenModel(const std::string &path);

    torch::jit::Module &module() { return m_module; }
    std::shared_ptr<torch::jit::Graph> graph() const { return m_graph; }

    // The conv2d / linear nodes whose weight is a constant, in graph order: the quantizable layers.
    const std::vector<torch::jit::Node *> &layerNodes() const { return m_layerNodes; }
    std::string layerName(size_t index) const;

    // Products with weights that are not layers, so no method quantizes them, each described:
    // a conv or linear op whose weight the model computes from its input (a dynamic
    // convolution), a matrix product with a constant (an nn.Linear written as x @ W, or traced
    // by PyTorch before 1.7 as aten::addmm).
    const std::vector<std::string> &floatProducts() const { return m_floatProducts; }

    // Contents of the archive's extra file quantscope.json ("" when absent).
    const std::string &metadataJson() const { return m_metadataJson; }

    // aten::conv2d (scripted), aten::_convolution (traced) or aten::_convolution_mode (traced
    // with padding="same" or "valid").
    static bool isConvolution(const torch::jit::Node *node);
    static bool isLinear(const torch::jit::Node *node);
    // The input that holds a convolution's groups: after transposed, output padding and
    // three backend flags in aten::_convolution's signature, right after the dilation in the
    // others'.
    static size_t groupsInput(const torch::jit::Node *node);

private:
    void findLayers();

    std::string m_path;
    torch::jit::Module m_module;
    std::shared_ptr<torch::jit::Graph> m_graph;
    std::vector<torch::jit::Node *> m_layerNodes;
    std::vector<std::string> m_layerNames;
    std::vector<std::string> m_floatProducts;
    std::string m_metadataJson;
};

} // namespace quantscope::model
