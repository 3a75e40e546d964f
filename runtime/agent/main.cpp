// SPDX-License-Identifier: MIT
// quantscope-agent: the program that goes to a device. It tells what the device is (info), times
// a packed model on each backend (bench), and runs one on raw tensors for numeric checks (run).
// Everything it prints with --json is one JSON object on one line, for the workbench to read.
#include "device_info.h"
#include "engine/graph_executor.h"
#include "engine/model_benchmark.h"
#include "engine/value_ranges.h"
#include "engine/xnnpack_executor.h"
#include "format/qsm_reader.h"
#include "json_writer.h"

#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <functional>
#include <memory>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace quantscope;

namespace {

const char *kUsage =
    "usage: quantscope-agent info [--json]\n"
    "       quantscope-agent bench FILE.qsm [--backend fp32|int8|lowbit|all] [--threads N]\n"
    "                              [--warmup W] [--repeats R] [--pin CPU[,CPU…]] [--json]\n"
    "       quantscope-agent run FILE.qsm --input IN.f32 --output OUT.f32 [--backend B]\n"
    "                            [--threads N] [--layer-inputs K]\n"
    "IN.f32: normalised images, each C×H×W little-endian float32, one after another;\n"
    "OUT.f32: the model's output for each, in the same order (- for standard output);\n"
    "  with --layer-inputs K (fp32, lowbit), then for each of the first K images and each\n"
    "  layer in order, the layer's input as a uint32 count and that many float32 (C×H×W).\n";

struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

struct Options
{
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;
    bool json = false;

    Options(int argc, char **argv, const std::vector<std::string> &known)
    {
        for (int i = 2; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--json") {
                json = true;
            } else if (a.rfind("--", 0) == 0) {
                const std::string name = a.substr(2);
                if (std::find(known.begin(), known.end(), name) == known.end())
                    throw UsageError("unknown option " + a);
                if (i + 1 >= argc)
                    throw UsageError(a + " needs a value");
                values[name] = argv[++i];
            } else {
                positional.push_back(a);
            }
        }
    }
    std::string text(const std::string &name, const std::string &fallback) const
    {
        const auto found = values.find(name);
        return found == values.end() ? fallback : found->second;
    }
    long number(const std::string &name, long fallback, long lo, long hi) const
    {
        const auto found = values.find(name);
        if (found == values.end())
            return fallback;
        char *end = nullptr;
        const long v = std::strtol(found->second.c_str(), &end, 10);
        if (*end || v < lo || v > hi)
            throw UsageError("--" + name + " wants a whole number from " + std::to_string(lo) +
                             " to " + std::to_string(hi) + ", not '" + found->second + "'");
        return v;
    }
    std::string file() const
    {
        if (positional.size() != 1)
            throw UsageError("name one .qsm file");
        return positional[0];
    }
};

void pin(const std::string &cpus)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    std::stringstream list(cpus);
    std::string cpu;
    while (std::getline(list, cpu, ','))
        CPU_SET(std::stoi(cpu), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        throw std::runtime_error("cannot pin to CPU " + cpus);
}

// One word per kind in the JSON (a switch, so a new kind cannot be forgotten silently).
const char *opName(qsm::OpKind kind)
{
    switch (kind) {
    case qsm::OpKind::Conv: return "conv";
    case qsm::OpKind::Linear: return "linear";
    case qsm::OpKind::Add: return "add";
    case qsm::OpKind::Clamp: return "clamp";
    case qsm::OpKind::MaxPool: return "maxpool";
    case qsm::OpKind::AvgPool: return "avgpool";
    case qsm::OpKind::GlobalAvgPool: return "globalavgpool";
    case qsm::OpKind::Flatten: return "flatten";
    case qsm::OpKind::Concat: return "concat";
    case qsm::OpKind::ChannelAffine: return "affine";
    case qsm::OpKind::Activation: return "activation";
    case qsm::OpKind::Mul: return "mul";
    case qsm::OpKind::ChannelSlice: return "slice";
    case qsm::OpKind::ChannelShuffle: return "shuffle";
    case qsm::OpKind::PRelu: return "prelu";
    case qsm::OpKind::Softmax: return "softmax";
    case qsm::OpKind::Pad: return "pad";
    case qsm::OpKind::GroupNorm: return "group norm";
    case qsm::OpKind::LayerNorm: return "layer norm";
    case qsm::OpKind::Resize: return "resize";
    }
    return "unknown";
}

int info(const Options &options)
{
    const auto device = agent::DeviceInfo::probe();
    if (options.json) {
        agent::JsonWriter json;
        json.beginObject();
        device.write(json);
        std::printf("%s\n", json.endObject().text().c_str());
        return 0;
    }
    std::printf("cpu %s (%s), %u cores, features: %s\n", device.cpu.c_str(),
                device.architecture.c_str(), device.cores, device.features.c_str());
    if (device.emulated)
        std::printf("running under emulation: timings are not this device's\n");
    return 0;
}

int bench(const Options &options)
{
    const auto model = qsm::QsmReader::read(options.file());
    const std::string which = options.text("backend", "all");
    std::vector<std::string> backends;
    if (which == "all")
        backends = runtime::ModelBenchmark::backends();
    else
        backends = {which};
    const size_t threads = size_t(options.number("threads", 1, 1, 256));
    const int warmup = int(options.number("warmup", 3, 0, 10000));
    const int repeats = int(options.number("repeats", 20, 1, 100000));
    if (options.values.count("pin"))
        pin(options.values.at("pin"));

    const runtime::ModelBenchmark benchmark(model);
    const auto macs = runtime::ModelBenchmark::macs(model);
    double totalMacs = 0;
    for (double m : macs)
        totalMacs += m;
    std::vector<runtime::BackendTiming> timings;
    std::vector<std::pair<std::string, std::string>> failures;
    for (const auto &b : backends) {
        try {
            timings.push_back(benchmark.time(b, threads, warmup, repeats));
        } catch (const qsm::FormatError &e) {
            if (which != "all")
                throw;
            failures.emplace_back(b, e.what()); // reported, the other backends still run
        }
    }
    const auto device = agent::DeviceInfo::probe();
    if (options.json) {
        agent::JsonWriter json;
        json.beginObject().beginObject("device");
        device.write(json);
        json.endObject()
            .value("model", options.file())
            .value("macs", totalMacs)
            .value("threads", double(threads))
            .value("warmup", double(warmup))
            .value("repeats", double(repeats));
        json.beginArray("backends");
        for (const auto &t : timings) {
            json.beginObject()
                .value("backend", t.backend)
                .value("kernel", t.kernel)
                .beginObject("latency_s")
                .value("min", t.latency.min)
                .value("p10", t.latency.p10)
                .value("median", t.latency.median)
                .value("p90", t.latency.p90)
                .value("max", t.latency.max)
                .endObject()
                .value("peak_rss_kib", double(t.peakRssKiB));
            json.beginArray("ops");
            for (size_t i = 0; i < model.ops.size(); ++i)
                json.beginObject()
                    .value("kind", opName(model.ops[i].kind))
                    .value("macs", macs[i])
                    .value("median_s", t.opMedianSeconds[i])
                    .endObject();
            json.endArray().numbers("output", t.output).endObject();
        }
        json.endArray().beginArray("failed");
        for (const auto &[backend, message] : failures)
            json.beginObject().value("backend", backend).value("error", message).endObject();
        std::printf("%s\n", json.endArray().endObject().text().c_str());
        return 0;
    }
    std::printf("%s: %.3g M multiply-accumulates, %zu thread(s), %d timed runs after %d warm-up%s\n",
                options.file().c_str(), totalMacs / 1e6, threads, repeats, warmup,
                device.emulated ? " — EMULATED, not this device's speed" : "");
    // The kernels last: a model's list of them has no fixed width.
    std::printf("  %-7s %10s %10s %10s %10s %9s  %s\n", "backend", "min ms", "median ms",
                "p90 ms", "GMAC/s", "RSS MiB", "kernels");
    for (const auto &t : timings)
        std::printf("  %-7s %10.3f %10.3f %10.3f %10.2f %9.1f  %s\n", t.backend.c_str(),
                    1e3 * t.latency.min, 1e3 * t.latency.median, 1e3 * t.latency.p90,
                    totalMacs / t.latency.median / 1e9, double(t.peakRssKiB) / 1024,
                    t.kernel.c_str());
    for (const auto &[backend, message] : failures)
        std::printf("  %-7s cannot run: %s\n", backend.c_str(), message.c_str());
    return 0;
}

// The images of an input file: a whole number of C×H×W float32 images, at most 1 GiB.
std::vector<std::vector<float>> readImages(const std::string &path, size_t imageFloats)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw std::runtime_error(path + ": cannot open the file");
    const auto size = size_t(in.tellg());
    const size_t imageBytes = imageFloats * sizeof(float);
    if (size == 0 || size % imageBytes != 0 || size > (size_t(1) << 30))
        throw std::runtime_error(path + ": " + std::to_string(size) +
                                 " bytes, not a whole number of the model's " +
                                 std::to_string(imageBytes) + "-byte inputs");
    in.seekg(0);
    std::vector<std::vector<float>> images(size / imageBytes, std::vector<float>(imageFloats));
    for (auto &image : images)
        in.read(reinterpret_cast<char *>(image.data()), std::streamsize(imageBytes));
    return images;
}

int run(const Options &options)
{
    const auto model = qsm::QsmReader::read(options.file());
    if (!options.values.count("input") || !options.values.count("output"))
        throw UsageError("run needs --input and --output");
    const auto images = readImages(options.values.at("input"),
                                   size_t(model.channels) * model.height * model.width);
    const std::string backend = options.text("backend", "lowbit");
    const size_t threads = size_t(options.number("threads", 1, 1, 256));
    std::function<const std::vector<float> &(const std::vector<float> &)> forward;
    std::unique_ptr<runtime::XnnpackExecutor> int8;
    std::unique_ptr<runtime::GraphExecutor> graph;
    if (backend == "int8") {
        // Activation ranges from the first images, as a deployment calibrates on a few.
        const std::vector<std::vector<float>> calibration(
            images.begin(), images.begin() + std::min<size_t>(images.size(), 16));
        int8 = std::make_unique<runtime::XnnpackExecutor>(
            model, runtime::ValueRanges::calibrate(model, calibration), threads);
        forward = [&](const std::vector<float> &x) -> const std::vector<float> & {
            return int8->run(x.data());
        };
    } else {
        graph = std::make_unique<runtime::GraphExecutor>(
            model, runtime::GraphExecutor::backendNamed(backend), threads);
        forward = [&](const std::vector<float> &x) -> const std::vector<float> & {
            return graph->run(x.data());
        };
    }
    const size_t layerImages = size_t(options.number("layer-inputs", 0, 0, 64));
    if (layerImages > 0 && !graph)
        throw UsageError("--layer-inputs needs the fp32 or lowbit backend");
    // "-": standard output, so a workbench reads the outputs back without copying a file.
    const std::string out = options.values.at("output");
    std::ofstream file;
    if (out != "-")
        file.open(out, std::ios::binary);
    std::ostream &sink = out == "-" ? std::cout : file;
    auto write = [&sink](const std::vector<float> &floats) {
        sink.write(reinterpret_cast<const char *>(floats.data()),
                   std::streamsize(floats.size() * sizeof(float)));
    };
    for (const auto &image : images)
        write(forward(image));
    // Each layer's input, for a per-layer comparison with the workbench's simulation: kept
    // after the outputs so a reader of outputs only is unchanged, and for a few images only
    // (a ResNet-18's layer inputs are megabytes per image).
    const auto layerInputs = model.layerInputs();
    for (size_t n = 0; n < std::min(layerImages, images.size()); ++n) {
        graph->run(images[n].data());
        for (uint32_t value : layerInputs) {
            const auto x = graph->value(value);
            const uint32_t count = uint32_t(x.size());
            sink.write(reinterpret_cast<const char *>(&count), sizeof count);
            write(x);
        }
    }
    sink.flush();
    if (!sink)
        throw std::runtime_error(out + ": cannot write the output");
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "info")
            return info(Options(argc, argv, {}));
        if (command == "bench")
            return bench(Options(argc, argv, {"backend", "threads", "warmup", "repeats", "pin"}));
        if (command == "run")
            return run(Options(argc, argv, {"input", "output", "backend", "threads", "layer-inputs"}));
        if (command == "--help" || command == "-h" || command == "help") {
            std::printf("%s", kUsage);
            return 0;
        }
        throw UsageError(command.empty() ? "name a command" : "unknown command '" + command + "'");
    } catch (const UsageError &e) {
        std::fprintf(stderr, "quantscope-agent: %s\n%s", e.what(), kUsage);
        return 2;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "quantscope-agent: %s\n", e.what());
        return 1;
    }
}
