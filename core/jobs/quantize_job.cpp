// SPDX-License-Identifier: MIT
#include "quantize_job.h"

#include "analysis/evaluator.h"
#include "analysis/model_size.h"
#include "compute_device.h"
#include "deploy/run_grids.h"
#include "error.h"
#include "quant/bit_plan.h"
#include "quant/method.h"
#include "store/method_state.h"
#include "store/workspace.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>

namespace quantscope::jobs {

QuantizeJob::QuantizeJob(QuantizeRequest request) : m_request(std::move(request)) {}

namespace {

// The average weight bits the method allocates per layer toward, where the settings make it do
// so (BRECQ's mixed precision, CPQ's learned bits, ALQ's target); 0 where the weight bits hold.
double allocatedTarget(const quant::MethodSettings &settings)
{
    return settings.has("target_bits") && settings.applies("target_bits")
               ? settings.real("target_bits")
               : 0.0;
}

} // namespace

std::string QuantizeJob::title() const
{
    double target = 0;
    try {
        target = allocatedTarget(quant::MethodSettings(
            quant::Method::create(m_request.method)->params(), m_request.settings));
    } catch (const Error &) {
        // Bad settings: run() says what is wrong; the title shows the request's bits.
    }
    return m_request.method + " " +
           store::RunRecord::bitsLabel(m_request.wbits, m_request.abits, target);
}

void QuantizeJob::run(JobContext &context)
{
    const auto start = std::chrono::steady_clock::now();
    const auto &req = m_request;

    // Everything that can be wrong with the input is checked before a run is recorded.
    auto method = quant::Method::create(req.method);
    quant::MethodSettings settings(method->params(), req.settings);
    settings.wbits = req.wbits;
    settings.abits = req.abits;
    settings.layerBits = req.layerBits;
    if (req.wbits < 1 || req.wbits > 8)
        throw Error("--wbits must be 1…8 (got " + std::to_string(req.wbits) + ")");
    if (req.abits < 2 || (req.abits > 8 && req.abits != 32))
        throw Error("--abits must be 2…8, or 32 for float activations (got " +
                    std::to_string(req.abits) + ")");
    const auto device = ComputeDevice::parse(req.device);
    context.progress(0, "loading model and data");
    model::QuantGraph graph(req.modelPath);
    ModelInputs inputs(graph, req.dataPath, req.inputs);
    ComputeDevice::prepare(device);
    graph.moveTo(device);
    const auto test = inputs.open(data::Split::Test);
    const auto train = inputs.open(data::Split::Train);
    context.progress(0, "normalisation");
    const auto transform = inputs.transform();
    quant::BitPlan::make(graph.layers(), settings); // throws for overrides naming no layer

    store::Workspace workspace(req.workspaceDir);
    m_record = {};
    m_record.model = std::filesystem::absolute(req.modelPath).string();
    m_record.data = std::filesystem::absolute(req.dataPath).string();
    m_record.method = req.method;
    m_record.wbits = req.wbits;
    m_record.abits = req.abits;
    nlohmann::json config = settings.effectiveValues();
    config["layer_bits"] = req.layerBits;
    config["eval_limit"] = req.evalLimit;
    config["device"] = req.device;
    if (const double target = allocatedTarget(settings); target > 0)
        config["allocated_bits"] = target;
    // What the model was fed and why, so a stored run can be reproduced and questioned.
    config["image_size"] = inputs.imageSize();
    config["image_size_source"] = inputs.sizeSource();
    config["mean"] = transform.mean;
    config["std"] = transform.std;
    config["normalisation_source"] = inputs.normalisationSource();
    auto warnings = nlohmann::json::array();
    auto warn = [&](const std::string &message) {
        warnings.push_back(message);
        config["warnings"] = warnings;
        m_record.configJson = config.dump();
        context.warn(message);
    };
    for (const auto &w : inputs.warnings())
        warn(w);
    for (const auto &w : settings.ineffective())
        warn(w);
    for (const auto &p : graph.floatProducts())
        warn(p + "; it stays in float");
    m_record.configJson = config.dump();
    m_record.id = workspace.beginRun(m_record);

    try {
        auto floatSession = graph.makeSession();
        auto floatStage = context.stage(0.0, 0.15);
        const auto floatResult = analysis::Evaluator::evaluate(graph, floatSession, test,
                                                               transform, req.evalLimit,
                                                               &floatStage);
        m_record.fpTop1 = floatResult.top1;
        if (const auto w = analysis::Evaluator::nearChanceWarning(floatResult); !w.empty())
            warn(w);

        auto methodStage = context.stage(0.15, 0.85);
        methodStage.onSnapshot = [&](const LayerSnapshot &s) {
            workspace.addSnapshot(m_record.id, s);
            context.snapshot(s);
        };
        methodStage.onMetric = [&](const MetricPoint &p) {
            workspace.addMetric(m_record.id, p);
            if (context.onMetric)
                context.onMetric(p);
        };
        const quant::MethodInput input{graph, train, transform, settings, &test, req.evalLimit};
        const auto quantized = method->run(input, methodStage);

        auto session = graph.makeSession();
        quantized.applyTo(session);
        // A method that kept an earlier state on Cancel is evaluated and stored all the same:
        // what it kept is the point of keeping it.
        auto evalStage = context.stage(0.85, 0.97);
        const auto result = analysis::Evaluator::evaluate(
            graph, session, test, transform, req.evalLimit,
            quantized.note.empty() ? &evalStage : nullptr);
        m_record.error = quantized.note;
        m_record.top1 = result.top1;
        m_record.top5 = result.top5;

        context.progress(0.97, "saving");
        const auto size = analysis::ModelSize::compute(graph.layers(), quantized.wbits,
                                                       quantized.abits);
        m_record.avgWbits = size.averageWeightBits;
        m_record.sizeBytes = size.sizeBytes;
        m_record.fpSizeBytes = size.floatSizeBytes;
        m_record.bops = size.bops;
        m_layers.clear();
        for (const auto &l : graph.layers())
            m_layers.push_back({l.id, l.name, l.kindName(), l.params, quantized.wbits[l.id],
                                quantized.abits[l.id],
                                analysis::ModelSize::sqnrDb(graph.floatWeight(l.id),
                                                            quantized.weights[l.id])});
        const auto artifact = std::filesystem::path(workspace.artifactDir(m_record.id)) /
                              "model.pt";
        graph.saveWithWeights(quantized.weights, artifact.string());
        std::vector<std::string> names;
        for (const auto &l : graph.layers())
            names.push_back(l.name);
        deploy::RunGrids::save(quantized, names, deploy::RunGrids::pathBeside(artifact.string()));
        if (!quantized.layerState.empty())
            store::MethodState::save(quantized.layerState,
                                     store::MethodState::pathBeside(artifact.string()));
        m_record.artifact = artifact.string();
        m_record.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        workspace.finishRun(m_record, m_layers);
        m_record.status = "finished";
        context.progress(1.0, "finished");
    } catch (const Cancelled &e) {
        // "cancelled by the user", plus what the method kept when it says so.
        workspace.endRun(m_record.id, "cancelled",
                         "cancelled by the user" + (e.detail().empty() ? "" : " " + e.detail()));
        m_record.status = "cancelled";
        throw;
    } catch (const std::exception &e) {
        workspace.endRun(m_record.id, "failed", errorLine(e.what()));
        m_record.status = "failed";
        throw;
    }
}

} // namespace quantscope::jobs
