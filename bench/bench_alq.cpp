// SPDX-License-Identifier: MIT
// ALQ on the demo model and Fashion-MNIST (quoted in the ALQ issue): top-1 at average weight
// bits 2.0, 1.0 and 0.7 (weights only, every layer quantized, default schedule) against the
// float model, RTN at 2 bits on every layer, the baseline of greedy init at 2 or 1 bases plus
// the same post-training alone (no loss-aware phase, no pruning), and BRECQ W2A32 with its
// defaults; wall time per ALQ phase.
//   build/bench/bench_alq [ROWS=all, e.g. 4,5] [key=value … added to every ALQ row]
#include "demo_request.h"
#include "jobs/quantize_job.h"
#include "torch_runtime.h"

#include <chrono>
#include <cstdio>
#include <map>

using namespace quantscope;

namespace {

struct Config
{
    std::string method;
    int wbits;
    std::map<std::string, std::string> settings;
    std::string label;
};

} // namespace

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();
    std::map<std::string, std::string> extra;
    for (int i = 2; i < argc; ++i) {
        const std::string kv = argv[i];
        extra[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    auto alq = [&](std::map<std::string, std::string> s) {
        s.insert(extra.begin(), extra.end());
        return s;
    };
    const std::vector<Config> configs{
        {"rtn", 2, {{"first_last_bits", "0"}}, "every layer"},
        {"alq", 2, alq({{"max_bases", "2"}, {"rounds", "0"}}), "baseline 2"},
        {"alq", 1, alq({{"max_bases", "1"}, {"rounds", "0"}}), "baseline 1"},
        {"brecq", 2, {}, "defaults"},
        {"alq", 2, alq({}), "ALQ 2.0"},
        {"alq", 1, alq({}), "ALQ 1.0"},
        {"alq", 1, alq({{"target_bits", "0.7"}}), "ALQ 0.7"},
    };
    const std::string rows = argc > 1 ? "," + std::string(argv[1]) + "," : "";
    std::printf("%-6s %-12s %7s %8s %7s %6s %8s   %s\n", "method", "config", "fp %", "top-1 %",
                "drop", "bits", "wall s", "seconds per phase (ALQ)");
    for (size_t row = 0; row < configs.size(); ++row) {
        if (!rows.empty() && rows != ",all," &&
            rows.find("," + std::to_string(row) + ",") == std::string::npos)
            continue;
        const auto &c = configs[row];
        jobs::QuantizeJob job(
            bench::demoRequest(c.method, c.wbits, 32, c.settings, "/tmp/quantscope-bench-alq"));
        jobs::JobContext context;
        std::map<std::string, double> phases;
        context.onMetric = [&](const jobs::MetricPoint &p) {
            static const std::string prefix = "phase_seconds/";
            if (p.series.rfind(prefix, 0) == 0)
                phases[p.series.substr(prefix.size())] += p.value;
            else if (p.series == "test_top1")
                std::fprintf(stderr, "  %s epoch %.0f: test top-1 %.2f %%\n", c.label.c_str(),
                             p.step, p.value * 100);
        };
        const auto start = std::chrono::steady_clock::now();
        job.run(context);
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const auto &r = job.record();
        std::string phaseText;
        for (const auto &[name, seconds] : phases)
            phaseText += name + " " + std::to_string(int(seconds + 0.5)) + "  ";
        std::printf("%-6s %-12s %7.2f %8.2f %7.2f %6.2f %8.0f   %s\n", c.method.c_str(),
                    c.label.c_str(), r.fpTop1 * 100, r.top1 * 100, (r.fpTop1 - r.top1) * 100,
                    r.avgWbits, wall, phaseText.c_str());
        std::fflush(stdout);
    }
    return 0;
}
