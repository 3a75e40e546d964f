// SPDX-License-Identifier: MIT
// CPQ on the demo model and Fashion-MNIST (quoted in the CPQ issue): top-1 at fixed W4A4 and
// W2A2 after E epochs against the float model, RTN and DSQ at the same bits; learned bits
// (from 8 or from 4, activations 4, a target average of 3 weight bits over the learned layers)
// against the fixed W3A4 CPQ run of the same length; the cluster metric (share of latent weights within a
// tenth of a step of a level, mean over the layers of the final snapshots); seconds per epoch.
//   build/bench/bench_cpq [EPOCHS=3] [IMAGES_PER_EPOCH=0 (all 60 000)] [ROWS=all, e.g. 1,6]
//                         [CPQ_SETTINGS, e.g. noise_ratio=0.2,seed=1 (the CPQ rows only)]
#include "demo_request.h"
#include "epoch_progress.h"
#include "jobs/quantize_job.h"
#include "torch_runtime.h"

#include <cstdio>
#include <map>

using namespace quantscope;

namespace {

struct Config
{
    std::string method;
    int wbits, abits;
    std::map<std::string, std::string> settings;
    std::string label;
};

} // namespace

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();
    const std::string epochs = argc > 1 ? argv[1] : "3";
    const std::string limit = argc > 2 ? argv[2] : "0";
    const std::map<std::string, std::string> qat{{"epochs", epochs}, {"train_limit", limit}};
    auto with = [&](std::map<std::string, std::string> extra) {
        extra.insert(qat.begin(), qat.end());
        return extra;
    };
    const std::vector<Config> configs{
        {"rtn", 4, 4, {}, "fixed"},
        {"cpq", 4, 4, qat, "fixed"},
        {"rtn", 2, 2, {}, "fixed"},
        {"dsq", 2, 2, qat, "fixed"},
        {"cpq", 2, 2, qat, "fixed"},
        {"cpq", 3, 4, qat, "fixed"},
        {"cpq", 8, 4, with({{"learn_bits", "true"}, {"target_bits", "3"}}), "learned→3"},
        {"cpq", 4, 4, with({{"learn_bits", "true"}, {"target_bits", "3"}}), "learned→3"},
    };
    const std::string rows = argc > 3 ? "," + std::string(argv[3]) + "," : "";
    std::map<std::string, std::string> cpqSettings;
    for (std::string rest = argc > 4 ? argv[4] : ""; !rest.empty();) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
        if (const auto eq = item.find('='); eq != std::string::npos)
            cpqSettings[item.substr(0, eq)] = item.substr(eq + 1);
    }
    std::printf("%-6s %-6s %-10s %7s %8s %7s %10s %9s %8s %8s\n", "method", "bits", "mode", "fp %",
                "top-1 %", "drop", "avg wbits", "learned", "cluster", "s/epoch");
    for (size_t row = 0; row < configs.size(); ++row) {
        if (!rows.empty() && rows.find("," + std::to_string(row) + ",") == std::string::npos)
            continue;
        auto c = configs[row];
        if (c.method == "cpq")
            for (const auto &[key, value] : cpqSettings)
                c.settings[key] = value;
        jobs::QuantizeJob job(bench::demoRequest(c.method, c.wbits, c.abits, c.settings,
                                                 "/tmp/quantscope-bench-cpq"));
        jobs::JobContext context;
        const bench::EpochProgress progress(context, c.method + " W" + std::to_string(c.wbits) +
                                                         "A" + std::to_string(c.abits));
        std::map<int, double> clustered; // per layer, the last snapshot's
        context.onSnapshot = [&](const jobs::LayerSnapshot &s) { clustered[s.layer] = s.clusteredShare; };
        job.run(context);
        const auto &r = job.record();
        double cluster = 0, learnedParams = 0, learnedBits = 0;
        for (const auto &[layer, share] : clustered)
            cluster += share / double(clustered.size());
        const auto &layers = job.layers();
        for (size_t i = 1; i + 1 < layers.size(); ++i) {
            learnedParams += double(layers[i].params);
            learnedBits += double(layers[i].params) * layers[i].wbits;
        }
        std::printf("%-6s W%dA%d   %-10s %7.2f %8.2f %7.2f %10.2f %9.2f %8.3f %8.1f\n",
                    c.method.c_str(), c.wbits, c.abits, c.label.c_str(), r.fpTop1 * 100,
                    r.top1 * 100, (r.fpTop1 - r.top1) * 100, r.avgWbits,
                    learnedBits / learnedParams, cluster,
                    progress.secondsPerEpoch());
        std::fflush(stdout);
    }
    return 0;
}
