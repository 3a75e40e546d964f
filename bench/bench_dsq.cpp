// SPDX-License-Identifier: MIT
// DSQ on the demo model and Fashion-MNIST: top-1 at W4A4 and W2A2 after E epochs against the
// float model and RTN at the same bits, and seconds per epoch (quoted in the DSQ issue).
//   build/bench/bench_dsq [EPOCHS=3] [IMAGES_PER_EPOCH=0 (all 60 000)]
// Compare the epoch time with bench/dsq_epoch.py (the same QAT step in python3-torch).
#include "demo_request.h"
#include "epoch_progress.h"
#include "jobs/quantize_job.h"
#include "torch_runtime.h"

#include <cstdio>
#include <cstdlib>
#include <map>

using namespace quantscope;

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();
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
