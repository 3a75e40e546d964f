// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "demo_files.h"
#include "error.h"
#include "json_field.h"
#include "jobs/deploy_job.h"
#include "layer_difference_table.h"
#include "progress_printer.h"
#include "signal_cancel.h"

#include <cstdio>
#include <iostream>

namespace quantscope::cli {

namespace {

void printCheck(const nlohmann::json &check);

// A modelled core's figures: predictions with the model's error on this machine beside each.
void printModelled(const jobs::DeployReport &r)
{
    std::printf("  %-7s %-45s %12s %12s %8s\n", "backend", "kernel (loop timed by llvm-mca)",
                "modelled ms", "error here", "GMAC/s");
    for (const auto &b : r.backends) {
        const std::string band = b.modelError < 0
                                     ? std::string("not checked")
                                     : "±" + std::to_string(int(100 * b.modelError + 0.5)) + " %";
        std::printf("  %-7s %-45s %12.3f %12s %8.2f\n", b.backend.c_str(), b.kernel.c_str(),
                    1e3 * b.median, band.c_str(), b.median > 0 ? r.macs / b.median / 1e9 : 0.0);
    }
    const auto check = jsonField(r.modelled, "check", nlohmann::json::object());
    std::printf("  the model on this machine's core (%s, as %s at %.2f GHz), against the local "
                "agent's timing:\n",
                jsonField(check, "cpu", std::string("?")).c_str(),
                jsonField(check, "llvm_cpu", std::string("?")).c_str(),
                jsonField(check, "clock_ghz", 0.0));
    printCheck(check);
}

// Measured against modelled, per backend (ModelCheck's JSON).
void printCheck(const nlohmann::json &check)
{
    for (const auto &c : jsonField(check, "backends", nlohmann::json::array()))
        std::printf("    %-7s measured %9.3f ms, modelled %9.3f ms: %+.0f %% end to end, median "
                    "layer |error| %.0f %%\n",
                    jsonField(c, "backend", std::string()).c_str(),
                    1e3 * jsonField(c, "measured_s", 0.0), 1e3 * jsonField(c, "modelled_s", 0.0),
                    100 * jsonField(c, "error", 0.0), 100 * jsonField(c, "median_layer_error", 0.0));
    for (const auto &s : jsonField(check, "skipped", nlohmann::json::array()))
        if (s.is_string())
            std::printf("    not checked: %s\n", s.get<std::string>().c_str());
}

} // namespace

int deployCommand(const Args &argv)
{
    const CliArguments args(argv,
                            {"workspace", "device", "threads", "warmup", "repeats", "images",
                             "pin", "ssh-config"},
                            {"json"});
    jobs::DeployRequest request;
    request.runId = args.runNumber(0);
    request.workspaceDir = args.value("workspace", app::DemoFiles::defaultWorkspace());
    request.device = args.value("device", "local");
    if (args.has("ssh-config"))
        request.sshOptions = {"-F", args.value("ssh-config")};
    request.threads = int(args.integer("threads", 1));
    request.warmup = int(args.integer("warmup", 3));
    request.repeats = int(args.integer("repeats", 20));
    request.images = int(args.integer("images", 256));
    request.pin = args.value("pin", "fastest");
    if (request.threads < 1 || request.threads > 256 || request.warmup < 0 ||
        request.repeats < 1 || request.images < 0)
        throw Error("--threads must be 1…256, --warmup and --images ≥ 0, --repeats ≥ 1");

    jobs::DeployJob job(request);
    jobs::JobContext context;
    ProgressPrinter printer("deploy");
    printer.attach(context);
    const SignalCancel cancelOnSignal(context);
    job.run(context);
    printer.finish();
    const auto &r = job.report();
    if (args.has("json")) {
        std::cout << r.agentJson << std::endl;
        return 0;
    }
    std::printf("run #%lld on %s: %s (%s, %d cores; %s), %d thread(s), %d timed runs after %d "
                "warm-up%s\n",
                static_cast<long long>(request.runId), r.device.c_str(), r.facts.cpu.c_str(),
                r.facts.architecture.c_str(), r.facts.cores, r.facts.features.c_str(), r.threads,
                r.repeats, r.warmup,
                r.facts.emulated   ? " — EMULATED, not this device's speed"
                : r.facts.modelled ? " — MODELLED, predicted, not measured"
                                   : "");
    if (const auto cores = r.facts.coreSummary(); !cores.empty())
        std::printf("  cores: %s\n", cores.c_str());
    if (!r.pinnedCores.empty())
        std::printf("  pinned to core(s) %s%s%s%s\n", r.pinnedCores.c_str(),
                    r.pinnedCoreTypes.empty() ? "" : " (", r.pinnedCoreTypes.c_str(),
                    r.pinnedCoreTypes.empty() ? "" : ")");
    if (r.facts.modelled)
        printModelled(r);
    else {
        // The kernels last: a model's list of them has no fixed width.
        std::printf("  %-7s %9s %9s %9s %9s %9s %8s  %s\n", "backend", "min ms", "p10 ms",
                    "median", "p90 ms", "max ms", "GMAC/s", "kernels");
        for (const auto &b : r.backends)
            std::printf("  %-7s %9.3f %9.3f %9.3f %9.3f %9.3f %8.2f  %s\n", b.backend.c_str(),
                        1e3 * b.min, 1e3 * b.p10, 1e3 * b.median, 1e3 * b.p90, 1e3 * b.max,
                        b.median > 0 ? r.macs / b.median / 1e9 : 0.0, b.kernel.c_str());
    }
    const auto *low = r.backend("lowbit"), *int8 = r.backend("int8"), *fp32 = r.backend("fp32");
    if (low && int8 && fp32 && low->median > 0 && !r.facts.emulated)
        std::printf("  low-bit: %.2f× the speed of int8, %.1f× of fp32%s\n",
                    int8->median / low->median, fp32->median / low->median,
                    r.facts.modelled ? " (modelled)" : "");
    if (r.comparedImages > 0)
        std::printf("  against the simulation on %lld test images: same class on %.2f %%, "
                    "outputs differ by at most %.3g (largest output %.3g)\n",
                    static_cast<long long>(r.comparedImages), 100.0 * r.agreement,
                    r.maxLogitDiff, r.maxLogit);
    if (r.layerImages > 0) {
        std::printf("  each layer's input on the device against the simulation, first %lld "
                    "images:\n",
                    static_cast<long long>(r.layerImages));
        printLayerDifferences(r.layers);
    }
    if (r.modelledBeside.is_object()) {
        std::printf("  the modelled %s at %.2f GHz beside this measurement (one core modelled, "
                    "%d thread(s) timed):\n",
                    jsonField(r.modelledBeside, "core", std::string()).c_str(),
                    jsonField(r.modelledBeside, "clock_ghz", 0.0), r.threads);
        printCheck(r.modelledBeside);
    }
    for (const auto &w : r.warnings)
        std::printf("  warning: %s\n", w.c_str());
    std::printf("stored: %s\n", r.storedAt.c_str());
    return 0;
}

} // namespace quantscope::cli
