// SPDX-License-Identifier: MIT
// BRECQ on the demo model and Fashion-MNIST (quoted in the BRECQ issue): top-1 at W4A32, W2A32,
// W4A4 and W2A4 against the float model and RTN at the same bits, with wall time, the seconds of
// the rounding and activation-step phases (all blocks) and the process's peak resident memory
// so far (a later row includes the earlier runs' peak).
//   build/bench/bench_brecq [PRESET=paper|fast] [CONFIGS=4/32,2/32,4/4,2/4] [key=value …]
// Extra key=value pairs go to BRECQ's settings (e.g. loss=mse, iterations=5000), except
// model=PATH, another Fashion-MNIST model to quantize instead of the demo's. PRESET
// `official` is the released code's configuration (yhhhli/BRECQ, main_imagenet.py defaults):
// the paper's 20 000 / 5 000 iterations of batch 32, Adam at 0.001 / 0.0004, plain MSE.
// bench/brecq_official_demo.py runs the released code itself on the demo, for the side-by-side
// tables of bench/BRECQ.md.
//   build/bench/bench_brecq PRESET mixed [key=value …]
// Mixed precision against uniform bits at equal size, weights only: uniform W2, W3 and W4, then
// mixed precision at target 2, 2.5, 3 and 4 (the target counts the searched layers, as uniform
// bits do, so target 3 is W3's size).
// Each mixed row shows the measured sensitivity the search predicts for its allocation and for
// uniform bits at that budget; the accuracies show whether the prediction held.
//   build/bench/bench_brecq PRESET mixcheck [key=value …]
// The search's measure against accuracy: at 2.5 and 3 average bits, the search's allocation,
// uniform bits and four random allocations, each with its predicted sensitivity and top-1, and
// their rank correlation.
#include "demo_request.h"
#include "jobs/quantize_job.h"
#include "torch_runtime.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

using namespace quantscope;

namespace {
double peakMiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0; // kilobytes on Linux
}

// Seconds spent in BRECQ's two optimisation phases, from the progress texts' stages.
struct PhaseSeconds
{
    double rounding = 0;
    double activation = 0;
};

// The run's record; `metrics`, when given, gets each series' last value, `phases` the seconds
// of the rounding and activation-step stages.
store::RunRecord runOne(const std::string &method, int w, int a,
                         const std::map<std::string, std::string> &settings,
                         std::map<std::string, double> *metrics = nullptr,
                         PhaseSeconds *phases = nullptr)
{
    using Clock = std::chrono::steady_clock;
    // `model=PATH` quantizes another model on the same data instead of the demo's; the rest of
    // the pairs are BRECQ's settings.
    auto methodSettings = settings;
    methodSettings.erase("model");
    auto request = bench::demoRequest(method, w, a, methodSettings, "/tmp/quantscope-bench-brecq");
    if (settings.count("model"))
        request.modelPath = settings.at("model");
    jobs::QuantizeJob job(request);
    jobs::JobContext context;
    std::string lastStage;
    auto stageStart = Clock::now();
    const auto endStage = [&] {
        const auto now = Clock::now();
        const double seconds = std::chrono::duration<double>(now - stageStart).count();
        stageStart = now;
        if (!phases)
            return;
        if (lastStage.find(": rounding") != std::string::npos)
            phases->rounding += seconds;
        else if (lastStage.find(": activation steps") != std::string::npos)
            phases->activation += seconds;
    };
    context.onProgress = [&](double f, const std::string &stage) {
        if (stage != lastStage && !stage.empty()) {
            endStage();
            std::fprintf(stderr, "  %5.1f %% %s\n", f * 100, stage.c_str());
            lastStage = stage;
        }
    };
    if (metrics)
        context.onMetric = [&](const jobs::MetricPoint &p) { (*metrics)[p.series] = p.value; };
    job.run(context);
    endStage();
    return job.record();
}

void mixedAgainstUniform(std::map<std::string, std::string> settings)
{
    std::printf("%-22s %8s %8s %12s %12s %10s\n", "allocation", "avg bits", "top-1 %",
                "sensitivity", "uniform's", "wall s");
    const auto row = [](const std::string &name, const store::RunRecord &r, double predicted,
                        double uniform) {
        std::printf("%-22s %8.3f %8.2f %12.4g %12.4g %10.1f\n", name.c_str(), r.avgWbits,
                    r.top1 * 100, predicted, uniform, r.seconds);
        std::fflush(stdout);
    };
    for (int bits : {2, 3, 4}) {
        const auto uniform = runOne("brecq", bits, 32, settings);
        row("uniform W" + std::to_string(bits), uniform, NAN, NAN);
    }
    settings["mixed_precision"] = "true";
    // The target counts the searched layers as the uniform runs' bits do: equal size at 2, 3, 4.
    for (double target : {2.0, 2.5, 3.0, 4.0}) {
        settings["target_bits"] = std::to_string(target);
        std::map<std::string, double> metrics;
        const auto mixed = runOne("brecq", 4, 32, settings, &metrics);
        char name[32];
        std::snprintf(name, sizeof name, "mixed, target %.1f", target);
        row(name, mixed, metrics["mp_sensitivity"], metrics["mp_uniform_sensitivity"]);
        // The allocation itself (layers by name), to see where the search put the bits.
        std::string bits;
        for (const auto &[series, value] : metrics)
            if (series.rfind("bits/", 0) == 0)
                bits += " " + series.substr(5) + "=" + std::to_string(int(value));
        std::printf("  %s\n", bits.c_str());
    }
}
// Spearman's rank correlation of two equally long series (no ties expected among real values).
double rankCorrelation(const std::vector<double> &a, const std::vector<double> &b)
{
    const auto ranks = [](const std::vector<double> &v) {
        std::vector<size_t> order(v.size());
        std::iota(order.begin(), order.end(), size_t(0));
        std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return v[i] < v[j]; });
        std::vector<double> rank(v.size());
        for (size_t r = 0; r < order.size(); ++r)
            rank[order[r]] = double(r);
        return rank;
    };
    const auto ra = ranks(a), rb = ranks(b);
    double d2 = 0;
    for (size_t i = 0; i < ra.size(); ++i)
        d2 += (ra[i] - rb[i]) * (ra[i] - rb[i]);
    const double n = double(ra.size());
    return 1 - 6 * d2 / (n * (n * n - 1));
}

// Does the search's measure predict accuracy? At each budget, the search's allocation, uniform
// bits and random allocations, each reconstructed: the sensitivity the measure gives each, its
// top-1, and the rank correlation of the two (−1: lower sensitivity, higher accuracy, always).
void sensitivityAgainstAccuracy(std::map<std::string, std::string> settings)
{
    std::printf("%-22s %8s %8s %12s %10s\n", "allocation", "avg bits", "top-1 %",
                "sensitivity", "wall s");
    settings["mixed_precision"] = "true";
    for (double target : {2.5, 3.0}) {
        settings["target_bits"] = std::to_string(target);
        std::vector<double> predicted, top1;
        // {allocation, draw}: the draw counts only for random allocations.
        const std::vector<std::pair<std::string, int>> picks{
            {"search", 0}, {"uniform", 0}, {"random", 1}, {"random", 2}, {"random", 3},
            {"random", 4}};
        for (const auto &[allocation, draw] : picks) {
            settings["allocation"] = allocation;
            settings["allocation_draw"] = std::to_string(std::max(draw, 1));
            std::map<std::string, double> metrics;
            const auto r = runOne("brecq", 4, 32, settings, &metrics);
            predicted.push_back(metrics["mp_sensitivity"]);
            top1.push_back(r.top1);
            char name[48];
            std::snprintf(name, sizeof name, "%s%s at %.1f", allocation.c_str(),
                          draw ? (" " + std::to_string(draw)).c_str() : "", target);
            std::printf("%-22s %8.3f %8.2f %12.4g %10.1f\n", name, r.avgWbits, r.top1 * 100,
                        predicted.back(), r.seconds);
            std::fflush(stdout);
        }
        std::printf("rank correlation, sensitivity against top-1, at %.1f bits: %+.2f\n", target,
                    rankCorrelation(predicted, top1));
    }
}
} // namespace

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();
    const std::string preset = argc > 1 ? argv[1] : "paper";
    std::map<std::string, std::string> settings{{"preset", preset}};
    if (preset == "official")
        settings = {{"preset", "paper"}, {"batch_size", "32"}, {"lr", "0.001"},
                    {"act_lr", "0.0004"}, {"loss", "mse"}};
    const bool mixed = argc > 2 && std::string(argv[2]) == "mixed";
    const bool mixcheck = argc > 2 && std::string(argv[2]) == "mixcheck";
    std::vector<std::pair<int, int>> configs;
    std::stringstream list(argc > 2 && !mixed && !mixcheck ? argv[2] : "4/32,2/32,4/4,2/4");
    for (std::string item; std::getline(list, item, ',');)
        configs.emplace_back(std::stoi(item), std::stoi(item.substr(item.find('/') + 1)));
    for (int i = 3; i < argc; ++i) {
        const std::string kv = argv[i];
        settings[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    if (mixed) {
        mixedAgainstUniform(settings);
        return 0;
    }
    if (mixcheck) {
        sensitivityAgainstAccuracy(settings);
        return 0;
    }
    std::printf("%-6s %-7s %8s %8s %8s %8s %10s %10s %10s %10s\n", "method", "bits", "fp %",
                "top-1 %", "drop", "vs RTN", "wall s", "round s", "act s", "peak MiB");
    for (const auto &[w, a] : configs) {
        std::map<std::string, std::string> rtnSettings;
        if (settings.count("model"))
            rtnSettings["model"] = settings.at("model");
        const auto rtn = runOne("rtn", w, a, rtnSettings);
        PhaseSeconds phases;
        const auto brecq = runOne("brecq", w, a, settings, nullptr, &phases);
        for (const auto *record : {&rtn, &brecq}) {
            const auto &r = *record;
            const bool isBrecq = record == &brecq;
            std::printf("%-6s W%dA%-4d %8.2f %8.2f %8.2f %8.2f %10.1f %10.1f %10.1f %10.0f\n",
                        r.method.c_str(), w, a, r.fpTop1 * 100, r.top1 * 100,
                        (r.fpTop1 - r.top1) * 100, (r.top1 - rtn.top1) * 100, r.seconds,
                        isBrecq ? phases.rounding : 0.0, isBrecq ? phases.activation : 0.0,
                        peakMiB());
        }
        std::fflush(stdout);
    }
    return 0;
}
