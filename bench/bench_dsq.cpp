// SPDX-License-Identifier: MIT
// DSQ on the demo model and Fashion-MNIST: top-1 at W4A4 and W2A2 after E epochs against the
// float model and RTN at the same bits, and seconds per epoch (quoted in the DSQ issue).
//   build/bench/bench_dsq [EPOCHS=3] [IMAGES_PER_EPOCH=0 (all 60 000)]
// The training step side by side with bench/dsq_epoch.py, the same QAT step in python3-torch
// (quoted in the QAT-step issue): PAIRS alternating runs of STEPS steps of batch 128 each, each
// scaled to one 60 000-image epoch, and the ratio of the medians.
//   build/bench/bench_dsq step [STEPS=300] [WBITS=2] [ABITS=2] [PAIRS=2]
#include "demo_request.h"
#include "epoch_progress.h"
#include "jobs/quantize_job.h"
#include "torch_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

using namespace quantscope;

namespace {

constexpr int kBatch = 128;
const double kStepsPerEpoch = std::ceil(60000.0 / kBatch);

// Seconds per epoch of our step: one epoch of `steps` batches (its data loading, snapshots and
// progress included, as a user's run has them).
double ourEpochSeconds(int steps, int w, int a)
{
    jobs::QuantizeJob job(bench::demoRequest(
        "dsq", w, a, {{"epochs", "1"}, {"train_limit", std::to_string(steps * kBatch)}},
        "/tmp/quantscope-bench-dsq"));
    jobs::JobContext context;
    const bench::EpochProgress progress(context, "dsq");
    job.run(context);
    return progress.secondsPerEpoch() / steps * kStepsPerEpoch;
}

// Seconds per epoch of the Python step, from the script's last line ("… -> 82.9 s per 60 000-
// image epoch …"); NaN when python3-torch is missing.
double pythonEpochSeconds(int steps, int w, int a)
{
    const std::string command = "/usr/bin/python3 " QUANTSCOPE_BENCH_DIR "/dsq_epoch.py " +
                                std::to_string(w) + " " + std::to_string(a) + " " +
                                std::to_string(steps) + " 2>&1";
    FILE *pipe = popen(command.c_str(), "r");
    if (!pipe)
        return NAN;
    double seconds = NAN;
    char line[512];
    while (std::fgets(line, sizeof line, pipe)) {
        std::fputs(line, stderr);
        if (const char *arrow = std::strstr(line, "-> "))
            seconds = std::atof(arrow + 3);
    }
    return pclose(pipe) == 0 ? seconds : NAN;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? NAN : v[v.size() / 2];
}

int compareSteps(int argc, char **argv)
{
    const int steps = argc > 2 ? std::atoi(argv[2]) : 300;
    const int w = argc > 3 ? std::atoi(argv[3]) : 2;
    const int a = argc > 4 ? std::atoi(argv[4]) : 2;
    const int pairs = argc > 5 ? std::atoi(argv[5]) : 2;
    std::printf("DSQ W%dA%d, batch %d, %d steps a run, s per 60 000-image epoch\n", w, a, kBatch,
                steps);
    std::printf("%-6s %12s %12s\n", "pair", "python", "quantscope");
    std::vector<double> python, ours;
    for (int p = 1; p <= pairs; ++p) {
        python.push_back(pythonEpochSeconds(steps, w, a));
        ours.push_back(ourEpochSeconds(steps, w, a));
        std::printf("%-6d %12.1f %12.1f\n", p, python.back(), ours.back());
        std::fflush(stdout);
    }
    std::printf("median %12.1f %12.1f   python / quantscope = %.2f\n", median(python),
                median(ours), median(python) / median(ours));
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();
    if (argc > 1 && std::string(argv[1]) == "step")
        return compareSteps(argc, argv);
    const std::string epochs = argc > 1 ? argv[1] : "3";
    const std::string limit = argc > 2 ? argv[2] : "0";
    const std::string workspace = "/tmp/quantscope-bench-dsq";
    std::printf("%-6s %-6s %8s %8s %8s %12s %10s\n", "method", "bits", "fp %", "top-1 %",
                "drop", "s/epoch", "total s");
    for (const auto &[w, a] : std::vector<std::pair<int, int>>{{4, 4}, {2, 2}}) {
        for (const std::string method : {"rtn", "dsq"}) {
            std::map<std::string, std::string> settings;
            if (method == "dsq")
                settings = {{"epochs", epochs}, {"train_limit", limit}};
            jobs::QuantizeJob job(bench::demoRequest(method, w, a, settings, workspace));
            jobs::JobContext context;
            const bench::EpochProgress progress(
                context, method + " W" + std::to_string(w) + "A" + std::to_string(a));
            job.run(context);
            const auto &r = job.record();
            std::printf("%-6s W%dA%d   %8.2f %8.2f %8.2f %12.1f %10.1f\n", method.c_str(), w, a,
                        r.fpTop1 * 100, r.top1 * 100, (r.fpTop1 - r.top1) * 100,
                        progress.secondsPerEpoch(), r.seconds);
            std::fflush(stdout);
        }
    }
    return 0;
}
