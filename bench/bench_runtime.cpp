// SPDX-License-Identifier: MIT
// bench_runtime: our low-bit kernels against XNNPACK int8 and the fp32 reference, end to end and
// per layer, for the demo ResNet-8 at 28×28 and torchvision-style ResNet-18 and MobileNetV2 at
// 224×224 (seeded random weights: speed does not depend on training).
//
//   build/bench/bench_runtime [--threads 1,2] [--models resnet8,resnet18,mobilenetv2]
//                             [--configs W8A8,W4A4,W2A2,W1A8,W2A8,W4A8] [--repeats N] [--layers]
//
// The first conv and the classifier stay W8A8 in every configuration, as quantized models keep
// them. XNNPACK runs each model once per thread count (its weights are int8 whatever the config).
#include "engine/model_benchmark.h"
#include "format/model_builder.h"
#include "technique_peaks.h"
#include "kernels/cpu_features.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace quantscope;

namespace {

struct Config
{
    std::string name;
    uint32_t wbits, abits;
};

std::vector<std::string> split(const std::string &text)
{
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        out.push_back(item);
    return out;
}

uint32_t basicBlock(qsm::ModelBuilder &b, uint32_t x, uint32_t in, uint32_t out, uint32_t stride,
                    const qsm::LayerBits &bits)
{
    auto y = b.relu(b.conv(x, out, 3, stride, 1, 1, bits));
    y = b.conv(y, out, 3, 1, 1, 1, bits);
    const auto shortcut = stride != 1 || in != out ? b.conv(x, out, 1, stride, 0, 1, bits) : x;
    return b.relu(b.add(y, shortcut));
}

qsm::Model resnet(const Config &c, bool imagenet)
{
    const qsm::LayerBits edge{8, 8, 0.0f, true}, body{c.wbits, c.abits, 0.0f, false};
    if (!imagenet) { // the demo's ResNet-8: 16-32-64 channels, one block per stage, 28×28×1
        qsm::ModelBuilder b(1, 28, 28);
        auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 16, 3, 1, 1, 1, edge));
        x = basicBlock(b, x, 16, 16, 1, body);
        x = basicBlock(b, x, 16, 32, 2, body);
        x = basicBlock(b, x, 32, 64, 2, body);
        x = b.flatten(b.globalAvgPool(x));
        return b.build(b.linear(x, 10, qsm::LayerBits{8, 8, 0.0f, false}));
    }
    qsm::ModelBuilder b(3, 224, 224);
    auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 64, 7, 2, 3, 1, edge));
    x = b.maxPool(x, 3, 2, 1);
    uint32_t channels = 64;
    for (uint32_t stage = 0; stage < 4; ++stage) {
        const uint32_t out = 64u << stage;
        x = basicBlock(b, x, channels, out, stage == 0 ? 1 : 2, body);
        x = basicBlock(b, x, out, out, 1, body);
        channels = out;
    }
    x = b.flatten(b.globalAvgPool(x));
    return b.build(b.linear(x, 1000, qsm::LayerBits{8, 8, 0.0f, false}));
}

qsm::Model mobilenetV2(const Config &c)
{
    const qsm::LayerBits edge{8, 8, 0.0f, true}, body{c.wbits, c.abits, 0.0f, false};
    // The projection's input follows a ReLU6; its output (the block's) is linear, so the next
    // expansion sees signed values: centred codes there.
    const qsm::LayerBits signedBody{c.wbits, c.abits, 0.0f, true};
    qsm::ModelBuilder b(3, 224, 224);
    auto x = b.clamp(b.conv(qsm::ModelBuilder::kInput, 32, 3, 2, 1, 1, edge), 0, 6);
    uint32_t channels = 32;
    const uint32_t table[][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                 {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
    bool signedInput = false;
    for (const auto &row : table)
        for (uint32_t i = 0; i < row[2]; ++i) {
            const uint32_t stride = i == 0 ? row[3] : 1, hidden = channels * row[0];
            auto y = x;
            if (row[0] != 1)
                y = b.clamp(b.conv(y, hidden, 1, 1, 0, 1, signedInput ? signedBody : body), 0, 6);
            y = b.clamp(b.conv(y, hidden, 3, stride, 1, hidden, body), 0, 6);
            y = b.conv(y, row[1], 1, 1, 0, 1, body);
            x = stride == 1 && channels == row[1] ? b.add(x, y) : y;
            channels = row[1];
            signedInput = true;
        }
    x = b.clamp(b.conv(x, 1280, 1, 1, 0, 1, signedBody), 0, 6);
    x = b.flatten(b.globalAvgPool(x));
    return b.build(b.linear(x, 1000, qsm::LayerBits{8, 8, 0.0f, false}));
}

qsm::Model build(const std::string &name, const Config &c)
{
    if (name == "resnet8")
        return resnet(c, false);
    if (name == "resnet18")
        return resnet(c, true);
    if (name == "mobilenetv2")
        return mobilenetV2(c);
    throw std::runtime_error("unknown model " + name);
}

} // namespace

int main(int argc, char **argv)
{
    std::map<std::string, std::string> options{{"threads", "1,2"},
                                               {"models", "resnet8,resnet18,mobilenetv2"},
                                               {"configs", "W8A8,W4A4,W2A2,W1A8,W2A8,W4A8"},
                                               {"repeats", "10"}};
    bool layers = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--layers") == 0)
            layers = true;
        else if (argv[i][0] == '-' && i + 1 < argc)
            options[argv[i] + 2] = argv[i + 1], ++i;
    }
    const int repeats = std::stoi(options["repeats"]);
    const auto &cpu = runtime::CpuFeatures::detected();
    std::printf("CPU %s, features: %s. First conv and classifier W8A8 in every config.\n",
                cpu.name.c_str(), cpu.list().c_str());
    // Per core; the int8 peak is vpdpbusd's (0 where not measured).
    const auto peaks = bench::techniquePeaks();
    if (!peaks.empty())
        std::printf("Ceiling of each technique on one core, measured (independent operations on "
                    "registers):\n");
    for (const auto &p : peaks)
        std::printf("  %-30s %-10s %7.1f GMAC/s\n", p.technique.c_str(), p.widths.c_str(),
                    p.gmacPerSecond);
    const double peak = peaks.empty() ? 0 : peaks.front().gmacPerSecond;
    for (const auto &modelName : split(options["models"]))
        for (const auto &threadText : split(options["threads"])) {
            const size_t threads = std::stoul(threadText);
            const Config baseline{"W8A8", 8, 8};
            const auto reference = build(modelName, baseline);
            const auto macs = runtime::ModelBenchmark::macs(reference);
            double total = 0;
            for (double m : macs)
                total += m;
            const int slowRepeats = modelName == "resnet8" ? repeats : 1;
            const auto int8 = runtime::ModelBenchmark(reference).time("int8", threads, 2, repeats);
            const auto fp32 =
                runtime::ModelBenchmark(reference).time("fp32", threads, 0, slowRepeats);
            // Achieved MAC rate as a share of the cores' measured peak.
            const auto ofPeak = [&](double gmacs) {
                return peak > 0 ? 100.0 * gmacs / (peak * double(threads)) : 0.0;
            };
            const double int8Rate = total / int8.latency.median / 1e9;
            std::printf("\n%s, %zu thread(s), %.1f M MACs: fp32 %.2f ms, XNNPACK int8 %.3f ms "
                        "(%.1f GMAC/s, %.0f %% of peak)\n",
                        modelName.c_str(), threads, total / 1e6, 1e3 * fp32.latency.median,
                        1e3 * int8.latency.median, int8Rate, ofPeak(int8Rate));
            std::printf("  %-6s %-24s %10s %10s %10s %7s %12s\n", "config", "kernel", "median ms",
                        "p90 ms", "GMAC/s", "% peak", "vs XNNPACK");
            for (const auto &name : split(options["configs"])) {
                Config c{name, 0, 0};
                std::sscanf(name.c_str(), "W%uA%u", &c.wbits, &c.abits);
                const auto model = build(modelName, c);
                const auto t = runtime::ModelBenchmark(model).time("lowbit", threads, 2, repeats);
                const double rate = total / t.latency.median / 1e9;
                std::printf("  %-6s %-24s %10.3f %10.3f %10.1f %7.0f %11.2f×\n", name.c_str(),
                            t.kernel.c_str(), 1e3 * t.latency.median, 1e3 * t.latency.p90, rate,
                            ofPeak(rate), int8.latency.median / t.latency.median);
                if (layers)
                    for (size_t i = 0; i < model.ops.size(); ++i)
                        if (macs[i] > 0)
                            std::printf("      op %3zu %8.2f M MACs  lowbit %8.3f ms  int8 %8.3f ms\n",
                                        i, macs[i] / 1e6, 1e3 * t.opMedianSeconds[i],
                                        1e3 * int8.opMedianSeconds[i]);
            }
        }
    return 0;
}
