// SPDX-License-Identifier: MIT
// BRECQ on the demo model and Fashion-MNIST (quoted in the BRECQ issue): top-1 at W4A32, W2A32,
// W4A4 and W2A4 against the float model and RTN at the same bits, with wall time and the
// process's peak resident memory so far (a later row includes the earlier runs' peak).
//   build/bench/bench_brecq [PRESET=paper|fast] [CONFIGS=4/32,2/32,4/4,2/4] [key=value …]
// Extra key=value pairs go to BRECQ's settings (e.g. loss=mse, iterations=5000).
#include "demo_request.h"
#include "jobs/quantize_job.h"
#include "torch_runtime.h"

#include <sys/resource.h>

#include <cstdio>
#include <sstream>

using namespace quantscope;

namespace {
double peakMiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0; // kilobytes on Linux
}

store::RunRecord runOne(const std::string &method, int w, int a,
                         const std::map<std::string, std::string> &settings)
{
    jobs::QuantizeJob job(
        bench::demoRequest(method, w, a, settings, "/tmp/quantscope-bench-brecq"));
    jobs::JobContext context;
    std::string lastStage;
    context.onProgress = [&](double f, const std::string &stage) {
        if (stage != lastStage && !stage.empty()) {
            std::fprintf(stderr, "  %5.1f %% %s\n", f * 100, stage.c_str());
            lastStage = stage;
        }
    };
    job.run(context);
    return job.record();
}
} // namespace

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();
    std::map<std::string, std::string> settings{{"preset", argc > 1 ? argv[1] : "paper"}};
    std::vector<std::pair<int, int>> configs;
    std::stringstream list(argc > 2 ? argv[2] : "4/32,2/32,4/4,2/4");
    for (std::string item; std::getline(list, item, ',');)
        configs.emplace_back(std::stoi(item), std::stoi(item.substr(item.find('/') + 1)));
    for (int i = 3; i < argc; ++i) {
        const std::string kv = argv[i];
        settings[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    std::printf("%-6s %-7s %8s %8s %8s %8s %10s %10s\n", "method", "bits", "fp %", "top-1 %",
                "drop", "vs RTN", "wall s", "peak MiB");
    for (const auto &[w, a] : configs) {
        const auto rtn = runOne("rtn", w, a, {});
        const auto brecq = runOne("brecq", w, a, settings);
        for (const auto *record : {&rtn, &brecq}) {
            const auto &r = *record;
            std::printf("%-6s W%dA%-4d %8.2f %8.2f %8.2f %8.2f %10.1f %10.0f\n", r.method.c_str(),
                        w, a, r.fpTop1 * 100, r.top1 * 100, (r.fpTop1 - r.top1) * 100,
                        (r.top1 - rtn.top1) * 100, r.seconds, peakMiB());
        }
        std::fflush(stdout);
    }
    return 0;
}
