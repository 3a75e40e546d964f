// SPDX-License-Identifier: MIT
// QuantGraph: an imported model ready for quantization — its layers and reconstruction units,
// float weights, and an instrumented graph whose weights and activations a QuantSession serves.
#pragma once

#include "layer_info.h"
#include "quant_session.h"
#include "unit_info.h"

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace torch::jit {
struct GraphFunction;
}

namespace quantscope::model {

// Not thread-safe: one thread runs a QuantGraph at a time. Import the model twice to run it on
// two threads (the GUI evaluates one copy while a job trains another).
class QuantGraph
{
public:
    // Loads, freezes and instruments the model. Throws quantscope::Error (see FrozenModel).
    explicit QuantGraph(const std::string &path);
    ~QuantGraph();
    QuantGraph(QuantGraph &&) noexcept;

    const std::string &path() const { return m_path; }
    // The archive's quantscope.json (see ModelMetadata); "" when absent.
    const std::string &metadataJson() const { return m_metadataJson; }
    // Products whose weights no method quantizes (FrozenModel::floatProducts).
    const std::vector<std::string> &floatProducts() const { return m_floatProducts; }
    const std::vector<LayerInfo> &layers() const { return m_layers; }
    const std::vector<UnitInfo> &units() const { return m_units; }
    int64_t totalParams() const;

    // Input shape [C, H, W] from the archive's metadata or a shape probe; empty when unknown.
    const std::vector<int64_t> &inputShape() const { return m_inputShape; }
    // Channels the first conv expects (0 when the first layer is linear).
    int64_t inputChannels() const;

    // Float weights (BatchNorm folded), indexed by layer id.
    const torch::Tensor &floatWeight(int layer) const { return m_floatWeights.at(layer); }
    QuantSession makeSession() const { return QuantSession(m_floatWeights); }

    // Moves the float weights and the graph's constants (biases) to a device; forward() then
    // takes its input there. Sessions made before keep the old device's weights.
    void moveTo(c10::Device device);
    c10::Device device() const { return m_device; }

    // Runs the whole model on the graph's device (the input is moved there); session supplies
    // weights and activation quantizers.
    torch::Tensor forward(const torch::Tensor &x, QuantSession &session) const;
    // Runs the model and hands every unit's input to the callback before running that unit.
    torch::Tensor forward(const torch::Tensor &x, QuantSession &session,
                          const std::function<void(size_t unit, const torch::Tensor &)> &) const;
    // Runs one unit alone on a (cached) input, in any memory layout.
    torch::Tensor runUnit(size_t unit, const torch::Tensor &x, QuantSession &session) const;

    // Runs one batch of the given shape [C, H, W] to record each layer's input shape and MACs.
    // Throws quantscope::Error when the model rejects that shape.
    void probeShapes(const std::vector<int64_t> &inputShape);

    // Writes a TorchScript model like the source but with these weights baked in as constants
    // (fake-quantized weights): loadable by this importer and by torch.jit.load.
    void saveWithWeights(const std::vector<torch::Tensor> &weights, const std::string &path) const;

private:
    std::string m_path;
    std::string m_metadataJson;
    std::vector<std::string> m_floatProducts;
    std::vector<LayerInfo> m_layers;
    std::vector<UnitInfo> m_units;
    std::vector<std::unique_ptr<torch::jit::GraphFunction>> m_unitFunctions;
    std::vector<bool> m_unitReadsStrides; // such a unit runs on a contiguous copy of its input
    std::vector<torch::Tensor> m_floatWeights;
    std::vector<int64_t> m_inputShape;
    c10::Device m_device = c10::Device(c10::kCPU);

    struct ConvGeometry
    {
        std::vector<int64_t> stride{1, 1}, padding{0, 0}, dilation{1, 1};
        bool samePadding = false; // padding="same"; "valid" reads as zero padding
    };
    std::vector<ConvGeometry> m_convGeometry; // per layer; unused for linear layers
};

} // namespace quantscope::model
