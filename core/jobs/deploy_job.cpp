// SPDX-License-Identifier: MIT
#include "deploy_job.h"

#include "deploy/agent_files.h"
#include "deploy/device.h"
#include "deploy/device_probe.h"
#include "deploy/latency_model.h"
#include "deploy/model_check.h"
#include "deploy/modelled_device.h"
#include "deploy/qsm_exporter.h"
#include "deploy/runtime_check.h"
#include "json_field.h"
#include "model/quant_graph.h"
#include "model_inputs.h"
#include "error.h"
#include "store/workspace.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace quantscope::jobs {

namespace fs = std::filesystem;

namespace {

// Layer inputs are compared on this many images: enough to see a layer that disagrees, few
// enough that a ResNet-18's (megabytes each) cross a phone's USB link in seconds.
constexpr int64_t kLayerImages = 4;

// The device's layer inputs (after its outputs: per image, per layer, a uint32 count and the
// floats — the agent's `run --layer-inputs`) against the simulation's.
void compareLayers(const deploy::SimulatedImages &simulated, const std::string &bytes,
                   size_t offset, DeployReport &report)
{
    const size_t layers = simulated.layerNames.size();
    report.layers.resize(layers);
    for (size_t l = 0; l < layers; ++l)
        report.layers[l].name = simulated.layerNames[l];
    for (int64_t n = 0; n < simulated.layerImages; ++n)
        for (size_t l = 0; l < layers; ++l) {
            uint32_t count = 0;
            if (offset + sizeof count > bytes.size())
                throw Error(report.device + ": the agent's layer inputs end early");
            std::memcpy(&count, bytes.data() + offset, sizeof count);
            offset += sizeof count;
            const auto &sim = simulated.layerInputs[size_t(n) * layers + l];
            if (count != sim.size() || offset + count * sizeof(float) > bytes.size())
                throw Error(report.device + ": the agent's input of layer " +
                            simulated.layerNames[l] + " has " + std::to_string(count) +
                            " values, the simulation's " + std::to_string(sim.size()));
            std::vector<float> device(count);
            std::memcpy(device.data(), bytes.data() + offset, count * sizeof(float));
            offset += count * sizeof(float);
            auto &d = report.layers[l];
            for (size_t i = 0; i < count; ++i) {
                d.maxAbsDiff = std::max(d.maxAbsDiff, double(std::fabs(device[i] - sim[i])));
                d.maxAbs = std::max(d.maxAbs, double(std::fabs(sim[i])));
            }
        }
    if (offset != bytes.size())
        throw Error(report.device + ": the agent returned more layer inputs than asked for");
    report.layerImages = simulated.layerImages;
}

// The device's outputs (raw float32, image after image) against the simulated logits, then
// its layer inputs.
void compare(const deploy::SimulatedImages &simulated, const std::string &bytes,
             DeployReport &report)
{
    const size_t floats = size_t(simulated.count * simulated.classes);
    const bool layers = simulated.layerImages > 0;
    if (bytes.size() < floats * sizeof(float) ||
        (!layers && bytes.size() != floats * sizeof(float)))
        throw Error(report.device + ": the agent returned " + std::to_string(bytes.size()) +
                    " bytes of outputs, not " + std::to_string(floats * sizeof(float)));
    std::vector<float> device(floats);
    std::memcpy(device.data(), bytes.data(), floats * sizeof(float));
    int64_t agree = 0;
    for (int64_t n = 0; n < simulated.count; ++n) {
        const float *sim = simulated.logits.data() + n * simulated.classes;
        const float *dev = device.data() + n * simulated.classes;
        agree += std::max_element(sim, sim + simulated.classes) - sim ==
                 std::max_element(dev, dev + simulated.classes) - dev;
        for (int64_t c = 0; c < simulated.classes; ++c) {
            report.maxLogitDiff = std::max(report.maxLogitDiff, double(std::fabs(sim[c] - dev[c])));
            report.maxLogit = std::max(report.maxLogit, double(std::fabs(sim[c])));
        }
    }
    report.comparedImages = simulated.count;
    report.agreement = double(agree) / double(simulated.count);
    if (layers)
        compareLayers(simulated, bytes, floats * sizeof(float), report);
}

// The cores to pin `threads` threads to: on big.LITTLE the fastest cores by maximum frequency;
// "" where all cores are alike or their frequencies unknown (nothing to choose).
std::string fastestCores(const deploy::DeviceFacts &facts, int threads)
{
    const auto &khz = facts.maxFrequencyKhz;
    if (khz.empty() || std::all_of(khz.begin(), khz.end(), [&](long f) { return f == khz[0]; }))
        return {};
    std::vector<size_t> cores(khz.size());
    for (size_t i = 0; i < cores.size(); ++i)
        cores[i] = i;
    std::stable_sort(cores.begin(), cores.end(), [&](size_t a, size_t b) { return khz[a] > khz[b]; });
    std::string list;
    for (size_t i = 0; i < cores.size() && int(i) < threads; ++i)
        list += (list.empty() ? "" : ",") + std::to_string(cores[i]);
    return list;
}

// What the pinned cores are ("Cortex-A76"), where the device says; "" otherwise.
std::string pinnedTypes(const deploy::DeviceFacts &facts, const std::string &pin)
{
    std::vector<std::string> types;
    size_t start = 0;
    while (start < pin.size()) {
        const size_t comma = std::min(pin.find(',', start), pin.size());
        const size_t core = size_t(std::strtoul(pin.substr(start, comma - start).c_str(), nullptr, 10));
        if (core >= facts.coreTypes.size())
            return {};
        if (std::find(types.begin(), types.end(), facts.coreTypes[core]) == types.end())
            types.push_back(facts.coreTypes[core]);
        start = comma + 1;
    }
    std::string text;
    for (const auto &t : types)
        text += (text.empty() ? "" : ", ") + t;
    return text;
}

std::string utcStamp()
{
    const std::time_t now = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
    return text;
}

// A device name as a file name: ssh://me@host:22 → ssh-me-host-22.
std::string fileSafe(const std::string &name)
{
    std::string out;
    for (char c : name)
        out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '-';
    while (out.find("--") != std::string::npos)
        out.erase(out.find("--"), 1);
    return out;
}

} // namespace

deploy::SimulatedImages DeployJob::simulate(const store::RunRecord &run, const qsm::Model &packed,
                                           int64_t count)
{
    // The test images as the run saw them: its size and normalisation (as verify does).
    InputOverrides overrides;
    overrides.mean = packed.mean;
    overrides.std = packed.std;
    overrides.imageSize = packed.height;
    model::QuantGraph graph(run.artifact);
    ModelInputs inputs(graph, run.data, overrides);
    const auto test = inputs.open(data::Split::Test);
    return deploy::RuntimeCheck::simulate(run, graph, test, inputs.transform(), count,
                                          kLayerImages);
}

nlohmann::json DeployJob::modelBeside(DeployReport &report, const qsm::Model &packed)
{
    // The cores that ran the timing: the pinned ones, else every core when all are alike.
    const auto &types = report.facts.coreTypes;
    std::string ran = report.pinnedCoreTypes;
    if (ran.empty() && !types.empty() &&
        std::all_of(types.begin(), types.end(), [&](const auto &t) { return t == types[0]; }))
        ran = types[0];
    const auto *core = deploy::ModelledCore::named(ran);
    if (!core || !deploy::ModelledDevice::missing().empty())
        return nullptr;
    // At the device's own clock where it says (a Pi 4 may run at 1.8 GHz, not 1.5).
    auto atClock = *core;
    const auto &khz = report.facts.maxFrequencyKhz;
    const auto fastest = std::max_element(khz.begin(), khz.end());
    if (fastest != khz.end() && *fastest > 0)
        atClock.clockGHz = double(*fastest) / 1e6;
    try {
        const auto files = deploy::AgentFiles::locate();
        const deploy::LatencyModel model(atClock, {files.aarch64, files.arm64Xnnpack()});
        std::vector<deploy::MeasuredBackend> measured;
        for (const auto &b : report.backends)
            measured.push_back({b.backend, b.opMedianSeconds});
        auto beside = deploy::ModelCheck::compare(measured, model.predict(packed), packed).toJson();
        beside["core"] = atClock.id;
        beside["clock_ghz"] = atClock.clockGHz;
        beside["threads"] = report.threads;
        return beside;
    } catch (const Error &e) {
        report.warnings.push_back(std::string("not modelled beside the measurement: ") + e.what());
        return nullptr;
    }
}

const BackendTiming *DeployReport::backend(const std::string &name) const
{
    for (const auto &b : backends)
        if (b.backend == name)
            return &b;
    return nullptr;
}

std::string DeployJob::title() const
{
    return "deploy run #" + std::to_string(m_request.runId) + " to " + m_request.device;
}

void DeployJob::run(JobContext &context)
{
    const store::Workspace workspace(m_request.workspaceDir);
    const auto run = workspace.run(m_request.runId);
    auto device = deploy::Device::named(m_request.device, m_request.sshOptions);
    device->setCancelCheck([&context] { return context.isCancelled(); });
    const std::string name = device->name();

    context.progress(0.0, "exporting the packed model");
    const fs::path staging = fs::temp_directory_path() /
                             ("quantscope-deploy-" + std::to_string(::getpid()) + "-" +
                              std::to_string(m_request.runId));
    fs::create_directories(staging);
    struct Staging
    {
        fs::path dir;
        ~Staging()
        {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{staging};
    const std::string modelFile = (staging / "model.qsm").string();
    const auto packed = deploy::QsmExporter::exportRun(run, modelFile);
    const std::string imagesFile = (staging / "images.f32").string();
    deploy::SimulatedImages simulated;
    if (m_request.images > 0) {
        context.progress(0.02, "simulating the test images");
        simulated = simulate(run, packed, m_request.images);
        std::ofstream(imagesFile, std::ios::binary)
            .write(reinterpret_cast<const char *>(simulated.images.data()),
                   std::streamsize(simulated.images.size() * sizeof(float)));
    }
    context.checkCancelled();

    context.progress(0.05, "connecting to " + name);
    const std::string architecture = device->architecture();
    deploy::AgentFiles::locate().forArchitecture(architecture); // no agent: say so before opening
    const deploy::Device::Session session(*device);
    context.progress(0.1, "copying the agent and the model");
    deploy::DeviceProbe::pushAgent(*device, architecture);
    device->push(modelFile, "model.qsm");
    if (simulated.count > 0)
        device->push(imagesFile, "images.f32");
    context.checkCancelled();

    context.progress(0.15, "describing the device");
    const auto facts = deploy::DeviceProbe::describe(*device);
    context.progress(0.2, "timing fp32, int8 and low-bit");
    std::vector<std::string> benchArgs{"bench", device->path("model.qsm"), "--backend", "all",
                                       "--threads", std::to_string(m_request.threads),
                                       "--warmup", std::to_string(m_request.warmup),
                                       "--repeats", std::to_string(m_request.repeats), "--json"};
    const std::string pin = m_request.pin == "fastest" ? fastestCores(facts, m_request.threads)
                            : m_request.pin == "none"  ? std::string()
                                                       : m_request.pin;
    if (!pin.empty())
        benchArgs.insert(benchArgs.end(), {"--pin", pin});
    const auto bench = deploy::DeviceProbe::answer(
        device->agent(benchArgs, std::chrono::minutes(30)), name, "timing the model");

    DeployReport report;
    report.device = name;
    if (simulated.count > 0) {
        context.progress(0.9, "comparing the device with the simulation");
        const auto outputs = device->agent(
            {"run", device->path("model.qsm"), "--input", device->path("images.f32"), "--output",
             "-", "--layer-inputs", std::to_string(simulated.layerImages)},
            std::chrono::minutes(10));
        deploy::DeviceProbe::check(outputs, name, "running the test images");
        compare(simulated, outputs.out, report);
    }
    report.facts = facts;
    report.pinnedCoreTypes = pinnedTypes(facts, pin);
    report.macs = jsonField(bench, "macs", 0.0);
    report.threads = m_request.threads;
    report.warmup = m_request.warmup;
    report.repeats = m_request.repeats;
    report.pinnedCores = pin;
    for (const auto &op : packed.ops) {
        report.opKinds.push_back(qsm::opKindName(op.kind));
        const bool layer = op.kind == qsm::OpKind::Conv || op.kind == qsm::OpKind::Linear;
        report.opBits.push_back(
            layer ? int(std::ceil(packed.layers[op.layer].weightBits())) : 0);
        report.opLayer.push_back(layer ? int(op.layer) : -1);
    }
    for (const auto &b : jsonField(bench, "backends", nlohmann::json::array())) {
        BackendTiming t;
        t.backend = jsonField(b, "backend", "");
        t.kernel = jsonField(b, "kernel", "");
        const auto latency = jsonField(b, "latency_s", nlohmann::json::object());
        t.min = jsonField(latency, "min", 0.0);
        t.p10 = jsonField(latency, "p10", 0.0);
        t.median = jsonField(latency, "median", 0.0);
        t.p90 = jsonField(latency, "p90", 0.0);
        t.max = jsonField(latency, "max", 0.0);
        t.peakRssKiB = jsonField(b, "peak_rss_kib", 0.0);
        t.modelError = jsonField(b, "model_error", -1.0);
        for (const auto &op : jsonField(b, "ops", nlohmann::json::array()))
            t.opMedianSeconds.push_back(jsonField(op, "median_s", 0.0));
        report.backends.push_back(std::move(t));
    }
    // A backend the agent could not run (e.g. int8 in a build without XNNPACK): the others ran.
    for (const auto &f : jsonField(bench, "failed", nlohmann::json::array()))
        report.warnings.push_back(jsonField(f, "backend", std::string()) + " not timed: " +
                                  jsonField(f, "error", std::string()));
    if (facts.emulated)
        report.warnings.push_back("emulated: these are qemu's timings, not an ARM core's");
    if (facts.modelled) {
        report.modelled = jsonField(bench, "modelled", nlohmann::json::object());
        report.warnings.push_back("modelled: llvm-mca's prediction for one " +
                                  (facts.coreTypes.empty() ? "ARM" : facts.coreTypes[0]) +
                                  " core, not a measurement");
        if (m_request.threads != 1)
            report.warnings.push_back("modelled for one core: --threads is not modelled");
        // What the model itself is unsure of, said where the figures are read.
        const std::string note = jsonField(report.modelled, "note", std::string());
        if (!note.empty())
            report.warnings.push_back("model: " + note);
        const std::string bandwidth = jsonField(report.modelled, "bandwidth_source", std::string());
        if (bandwidth.rfind("assumed", 0) == 0)
            report.warnings.push_back("model: DRAM bandwidth " + bandwidth);
    }
    if (!facts.governor.empty() && facts.governor != "performance")
        report.warnings.push_back("the CPU frequency governor is '" + facts.governor +
                                  "', not 'performance': timings may vary");
    for (const auto &b : report.backends)
        if (b.p10 > 0 && b.p90 / b.p10 > 1.25)
            report.warnings.push_back(b.backend + ": a wide spread (p90/p10 = " +
                                      std::to_string(b.p90 / b.p10).substr(0, 4) +
                                      "); close other programs or time more runs");

    if (!facts.emulated && !facts.modelled)
        report.modelledBeside = modelBeside(report, packed);

    // Stored beside the run, whatever the caller does next; named by when it was made.
    const std::string created = utcStamp();
    nlohmann::json stored{{"device", name},        {"emulated", facts.emulated},
                          {"modelled", facts.modelled},
                          {"run", m_request.runId}, {"created", created},
                          {"pinned_cores", pin}, {"pinned_core_types", report.pinnedCoreTypes},
                          {"info", facts.info},           {"bench", bench},
                          {"warnings", report.warnings},
                          {"modelled_beside", report.modelledBeside},
                          {"agreement", {{"images", report.comparedImages},
                                         {"same_class", report.agreement},
                                         {"max_abs_diff", report.maxLogitDiff},
                                         {"max_abs", report.maxLogit},
                                         {"layer_images", report.layerImages},
                                         {"layers", deploy::toJson(report.layers)}}}};
    const fs::path dir = fs::path(workspace.artifactDir(m_request.runId)) / "deployments";
    fs::create_directories(dir);
    report.storedAt = (dir / (created + "-" + fileSafe(name) + ".json")).string();
    std::ofstream(report.storedAt) << stored.dump(1) << "\n";
    report.agentJson = bench.dump();
    m_report = std::move(report);
    context.progress(1.0, "timed on " + name);
}

} // namespace quantscope::jobs
