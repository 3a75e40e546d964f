// SPDX-License-Identifier: MIT
// bench_runtime: our low-bit kernels against XNNPACK int8 and the fp32 reference, end to end and
// per layer, for the demo ResNet-8 at 28×28 and torchvision-style ResNet-18 and MobileNetV2 at
// 224×224 (seeded random weights: speed does not depend on training).
//
//   build/bench/bench_runtime [--threads 1,2] [--models resnet8,resnet18,mobilenetv2]
//                             [--configs W8A8,W4A4,W2A2,W1A8,W2A8,W4A8] [--repeats N] [--layers]
//
// The networks: benchmark_networks.h. XNNPACK runs each model once per thread count (its
// weights are int8 whatever the config).
#include "engine/model_benchmark.h"
#include "benchmark_networks.h"
#include "technique_peaks.h"
#include "kernels/cpu_features.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

using namespace quantscope;

namespace {

// Every op's median and fastest run on both backends (the ops without MACs, pools and adds,
// take time too), then the fastest runs summed over the depthwise convs and over the rest: the
// sums two builds are compared by on a host whose speed drifts from run to run.
void printOps(const qsm::Model &model, const std::vector<double> &macs,
              const runtime::BackendTiming &lowBit, const runtime::BackendTiming &int8)
{
    double depthwise[2] = {0, 0}, other[2] = {0, 0}; // lowbit, int8
    for (size_t i = 0; i < model.ops.size(); ++i) {
        const auto &op = model.ops[i];
        std::printf("      op %3zu %-8s %8.2f M MACs  lowbit %8.3f ms (fastest %.3f)  int8 "
                    "%8.3f ms (fastest %.3f)\n",
                    i, qsm::opKindName(op.kind), macs[i] / 1e6, 1e3 * lowBit.opMedianSeconds[i],
                    1e3 * lowBit.opFastestSeconds[i], 1e3 * int8.opMedianSeconds[i],
                    1e3 * int8.opFastestSeconds[i]);
        const bool depthwiseOp = op.kind == qsm::OpKind::Conv &&
                                 model.layers[op.layer].isDepthwise();
        double *sums = depthwiseOp ? depthwise : other;
        sums[0] += lowBit.opFastestSeconds[i];
        sums[1] += int8.opFastestSeconds[i];
    }
    std::printf("      each op's fastest run, summed: depthwise convs lowbit %.3f ms, int8 %.3f "
                "ms; other ops lowbit %.3f ms, int8 %.3f ms\n",
                1e3 * depthwise[0], 1e3 * depthwise[1], 1e3 * other[0], 1e3 * other[1]);
}

} // namespace

int main(int argc, char **argv)
{
    std::map<std::string, std::string> options{{"threads", "1,2"},
                                               {"models", "resnet8,resnet18,mobilenetv2"},
                                               {"configs", "W8A8,W4A4,W2A2,W1A8,W2A8,W4A8"},
                                               {"repeats", "10"}};
    const bool layers = bench::parseOptions(argc, argv, options);
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
    for (const auto &modelName : bench::splitList(options["models"]))
        for (const auto &threadText : bench::splitList(options["threads"])) {
            const size_t threads = std::stoul(threadText);
            const bench::NetworkConfig baseline{"W8A8", 8, 8};
            const auto reference = bench::buildNetwork(modelName, baseline);
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
            // The kernels last: a model's list of them has no fixed width.
            std::printf("  %-6s %10s %10s %10s %7s %12s  %s\n", "config", "median ms", "p90 ms",
                        "GMAC/s", "% peak", "vs XNNPACK", "kernels");
            for (const auto &name : bench::splitList(options["configs"])) {
                const auto c = bench::NetworkConfig::parse(name);
                const auto model = bench::buildNetwork(modelName, c);
                const auto t = runtime::ModelBenchmark(model).time("lowbit", threads, 2, repeats);
                const double rate = total / t.latency.median / 1e9;
                std::printf("  %-6s %10.3f %10.3f %10.1f %7.0f %11.2f×  %s\n", name.c_str(),
                            1e3 * t.latency.median, 1e3 * t.latency.p90, rate, ofPeak(rate),
                            int8.latency.median / t.latency.median, t.kernel.c_str());
                if (layers)
                    printOps(model, macs, t, int8);
            }
        }
    return 0;
}
