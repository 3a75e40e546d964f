// SPDX-License-Identifier: MIT
#include "runtime_check.h"

#include "data/batch_loader.h"
#include "engine/graph_executor.h"
#include "error.h"
#include "model/frozen_model.h"
#include "model/quant_graph.h"
#include "packed_layer.h"
#include "quant/quant_grid.h"
#include "run_grids.h"

namespace quantscope::deploy {

namespace {

// The activation quantizer the run simulated, rebuilt from its stored grid.
quant::QuantGrid activationGrid(const ActivationGrid &a)
{
    quant::QuantGrid g;
    g.bits = a.bits;
    g.qmin = a.qmin;
    g.qmax = a.qmax;
    g.scale = torch::tensor({float(a.scale)});
    if (a.zeroPoint == std::nearbyint(a.zeroPoint))
        g.zeroPoint = torch::tensor({int64_t(a.zeroPoint)});
    else
        g.zeroPoint = torch::tensor({a.zeroPoint}, torch::kFloat64);
    return g;
}

// The run's model as the workbench simulated it: fake-quantized weights (in the artifact) and
// each layer's input through the run's activation quantizer.
model::QuantSession simulatedSession(const model::QuantGraph &graph,
                                     const std::vector<LayerGrids> &grids)
{
    auto session = graph.makeSession();
    for (size_t i = 0; i < grids.size(); ++i)
        if (grids[i].activation) {
            const auto g = activationGrid(*grids[i].activation);
            session.setActivationQuantizer(int(i), [g](const torch::Tensor &x) {
                return g.fakeQuantize(x);
            });
        }
    return session;
}

// Keeps each layer's input as the packed model's conv or linear op reads it (C×H×W): a linear
// layer over a map permuted to channels last (ConvNeXt's) reads it as N×H×W×C, and a conv that
// PyTorch pads "same" unevenly reads it through the pad op the exporter puts before it.
model::QuantSession::ObserverFn keepLayerInputs(const store::RunRecord &record,
                                                const model::QuantGraph &graph,
                                                std::vector<torch::Tensor> &inputs)
{
    std::vector<std::vector<int64_t>> pads(inputs.size()); // F.pad's order: left, right, top, …
    const model::FrozenModel frozen(record.artifact);
    for (size_t i = 0; i < frozen.layerNodes().size() && i < pads.size(); ++i)
        if (const auto pad = PackedLayer::unevenPadding(frozen.layerNodes()[i]))
            pads[i] = {pad->padLeft, pad->padRight, pad->padTop, pad->padBottom};
    return [&graph, &inputs, pads](int layer, const torch::Tensor &x) {
        const bool channelsLast =
            graph.layers().at(size_t(layer)).kind == model::LayerKind::Linear && x.dim() == 4;
        const auto &pad = pads[size_t(layer)];
        inputs[size_t(layer)] = channelsLast   ? x.permute({0, 3, 1, 2})
                                : pad.empty() ? x
                                              : torch::constant_pad_nd(x, pad);
    };
}

} // namespace

nlohmann::json toJson(const std::vector<LayerDifference> &layers)
{
    auto list = nlohmann::json::array();
    for (const auto &l : layers)
        list.push_back({{"name", l.name}, {"max_abs_diff", l.maxAbsDiff}, {"max_abs", l.maxAbs}});
    return list;
}

SimulatedImages RuntimeCheck::simulate(const store::RunRecord &record,
                                       const model::QuantGraph &graph, const data::Dataset &test,
                                       const data::InputTransform &transform, int64_t count,
                                       int64_t layerImages)
{
    torch::InferenceMode inference;
    const auto grids = RunGrids::load(RunGrids::pathBeside(record.artifact));
    auto simulated = simulatedSession(graph, grids);
    SimulatedImages out;
    constexpr int64_t kBatch = 64;
    std::vector<torch::Tensor> layerInputs(grids.size());
    for (const auto &g : grids)
        out.layerNames.push_back(g.name);
    const data::BatchLoader loader(test, transform, data::BatchLoader::inOrder(test, count), kBatch);
    for (int64_t b = 0; b < loader.batchCount(); ++b) {
        const auto batch = loader.batch(b);
        if (b == 0 && layerImages > 0)
            simulated.setObserver(keepLayerInputs(record, graph, layerInputs));
        const auto logits = graph.forward(batch.inputs, simulated).contiguous();
        if (b == 0 && layerImages > 0) {
            simulated.setObserver({});
            out.layerImages = std::min({layerImages, kBatch, batch.inputs.size(0)});
            for (int64_t n = 0; n < out.layerImages; ++n)
                for (const auto &x : layerInputs) {
                    if (!x.defined()) { // a layer this image's forward pass did not reach
                        out.layerInputs.emplace_back();
                        continue;
                    }
                    const auto flat = x[n].contiguous().flatten();
                    out.layerInputs.emplace_back(flat.data_ptr<float>(),
                                                 flat.data_ptr<float>() + flat.numel());
                }
        }
        const auto inputs = batch.inputs.contiguous();
        out.images.insert(out.images.end(), inputs.data_ptr<float>(),
                          inputs.data_ptr<float>() + inputs.numel());
        out.logits.insert(out.logits.end(), logits.data_ptr<float>(),
                          logits.data_ptr<float>() + logits.numel());
        out.count += inputs.size(0);
        out.classes = logits.size(1);
    }
    return out;
}

RuntimeCheckResult RuntimeCheck::run(const store::RunRecord &record,
                                     const model::QuantGraph &graph, const qsm::Model &model,
                                     const data::Dataset &test,
                                     const data::InputTransform &transform, int64_t limit,
                                     const jobs::JobContext &context)
{
    torch::InferenceMode inference;
    const auto grids = RunGrids::load(RunGrids::pathBeside(record.artifact));
    auto simulated = simulatedSession(graph, grids);
    auto floatActivations = graph.makeSession();
    // Each layer's input in the simulation, to compare with the runtime's value there.
    std::vector<torch::Tensor> layerInputs(grids.size());
    simulated.setObserver(keepLayerInputs(record, graph, layerInputs));

    runtime::GraphExecutor lowbit(model, runtime::Backend::LowBit);
    runtime::GraphExecutor fp32(model, runtime::Backend::Fp32);
    const auto layerInputValue = model.layerInputs();

    RuntimeCheckResult result;
    result.layers.resize(model.layers.size());
    for (size_t i = 0; i < result.layers.size() && i < grids.size(); ++i)
        result.layers[i].name = grids[i].name;
    int64_t simCorrect = 0, lowCorrect = 0, agree = 0;
    double fp32Diff = 0, fp32Max = 0;
    const data::BatchLoader loader(test, transform, data::BatchLoader::inOrder(test, limit), 50);
    for (int64_t b = 0; b < loader.batchCount(); ++b) {
        context.checkCancelled();
        context.progress(double(b) / loader.batchCount(), "comparing with the runtime");
        const auto batch = loader.batch(b);
        const auto simLogits = graph.forward(batch.inputs, simulated);
        const auto floatLogits = graph.forward(batch.inputs, floatActivations);
        for (int64_t n = 0; n < batch.inputs.size(0); ++n) {
            const auto x = batch.inputs[n].contiguous();
            const auto &low = lowbit.run(x.data_ptr<float>());
            const auto lowT = torch::from_blob(const_cast<float *>(low.data()),
                                               {int64_t(low.size())});
            const int64_t label = batch.labels[n].item<int64_t>();
            const int64_t simClass = simLogits[n].argmax().item<int64_t>();
            const int64_t lowClass = lowT.argmax().item<int64_t>();
            simCorrect += simClass == label;
            lowCorrect += lowClass == label;
            agree += simClass == lowClass;
            for (size_t l = 0; l < result.layers.size(); ++l) {
                const auto v = lowbit.value(layerInputValue[l]);
                const auto rt = torch::from_blob(const_cast<float *>(v.data()), {int64_t(v.size())});
                const auto sim = layerInputs[l][n].flatten();
                auto &d = result.layers[l];
                d.maxAbsDiff = std::max(d.maxAbsDiff, (rt - sim).abs().max().item<double>());
                d.maxAbs = std::max(d.maxAbs, sim.abs().max().item<double>());
            }
            const auto &f = fp32.run(x.data_ptr<float>());
            const auto fT = torch::from_blob(const_cast<float *>(f.data()), {int64_t(f.size())});
            fp32Diff = std::max(fp32Diff, (fT - floatLogits[n]).abs().max().item<double>());
            fp32Max = std::max(fp32Max, floatLogits[n].abs().max().item<double>());
            ++result.images;
        }
    }
    if (result.images > 0) {
        result.simulatedTop1 = double(simCorrect) / result.images;
        result.lowbitTop1 = double(lowCorrect) / result.images;
        result.agreement = double(agree) / result.images;
        result.fp32MaxRelDiff = fp32Max > 0 ? fp32Diff / fp32Max : fp32Diff;
    }
    context.progress(1.0, "compared");
    return result;
}

} // namespace quantscope::deploy
