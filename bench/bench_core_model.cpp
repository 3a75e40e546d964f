// SPDX-License-Identifier: MIT
// bench_core_model: the modelled ARM cores (LatencyModel) — each core's kernel loops as llvm-mca
// times them, the predicted fp32 / XNNPACK int8 / low-bit latency of the benchmark networks on
// one Cortex-A53, A55, A72 and A76 core with the low-bit speedups, and the model's error on this
// machine's core against the runtime timing the same networks here.
//
//   build/bench/bench_core_model [--models resnet8,resnet18] [--configs W8A8,W4A4,W2A2,W1A8]
//                                [--repeats N] [--layers] [--trace resnet8]
//
// --trace runs the aarch64 agent on that network (W4A4) once under qemu, logging every
// translation block it executes, and counts the calls of the neon-dot kernel and the passes
// through its loop against the trip counts the model derives from the layers' shapes.
//
// Needs llvm-14 and the arm64 build (scripts/build-arm64). Every ARM figure is a prediction.
#include "benchmark_networks.h"
#include "deploy/agent_files.h"
#include "deploy/latency_model.h"
#include "deploy/model_check.h"
#include "deploy/process.h"
#include "engine/model_benchmark.h"
#include "format/qsm_writer.h"
#include "format/shape_inference.h"
#include "kernels/cpu_features.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

using namespace quantscope;

namespace {

// The runtime's per-op timing of `model` on one thread, for ModelCheck.
std::vector<deploy::MeasuredBackend> measured(const qsm::Model &model,
                                              const std::vector<std::string> &backends,
                                              int repeats)
{
    std::vector<deploy::MeasuredBackend> out;
    for (const auto &backend : backends)
        out.push_back(
            {backend, runtime::ModelBenchmark(model).time(backend, 1, 1, repeats).opMedianSeconds});
    return out;
}

double seconds(const std::vector<deploy::ModelledBackend> &all, const std::string &backend)
{
    for (const auto &b : all)
        if (b.backend == backend)
            return b.seconds;
    return 0;
}

// The neon-dot kernel's calls and loop passes in one low-bit run of `model` under qemu, against
// the model's: tiles per layer and floor(depth / k per iteration) iterations per tile.
void traceTripCounts(const qsm::Model &model, const deploy::KernelCost &k,
                     const deploy::AgentFiles &files)
{
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "quantscope-trace";
    fs::create_directories(dir);
    const std::string qsmFile = (dir / "model.qsm").string(), log = (dir / "blocks.log").string();
    qsm::QsmWriter::write(model, qsmFile);
    const auto run = deploy::Process::run(
        {"qemu-aarch64-static", "-L", files.arm64Sysroot, "-d", "exec,nochain", "-D", log,
         files.aarch64, "bench", qsmFile, "--backend", "lowbit", "--warmup", "0", "--repeats",
         "1"},
        std::chrono::minutes(10));
    if (!run.ok()) {
        std::printf("  trace: the agent failed under qemu: %s\n", run.lastLine().c_str());
        return;
    }
    // qemu-user loads a position-independent aarch64 program at 0x5500000000; each executed
    // block is logged as "Trace …: … [flags/pc/…]".
    constexpr unsigned long kBase = 0x5500000000ul;
    const unsigned long entry = kBase + k.functionAddress, head = kBase + k.loopAddress;
    double calls = 0, passes = 0;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
        const size_t slash = line.find('/');
        if (slash == std::string::npos)
            continue;
        const unsigned long pc = std::strtoul(line.c_str() + slash + 1, nullptr, 16);
        calls += pc == entry;
        passes += pc == head;
    }
    fs::remove_all(dir);
    // A pass is logged where the loop's block is entered by its own backward branch: the first
    // iteration runs on in the block that enters the loop, so a tile of n iterations logs n − 1.
    const auto shapes = qsm::ShapeInference::infer(model);
    const double kPerIteration = k.macsPerIteration / (k.rows * k.channels);
    double expectedCalls = 0, expectedPasses = 0, modelIterations = 0;
    for (const auto &op : model.ops) {
        if (op.kind != qsm::OpKind::Conv && op.kind != qsm::OpKind::Linear)
            continue;
        const auto work = deploy::LatencyModel::gemmWork(k, model.layers[op.layer], op.kind,
                                                         shapes[op.output]);
        const double iterations = std::floor(work.depth / kPerIteration);
        expectedCalls += work.tiles();
        expectedPasses += work.tiles() * std::max(0.0, iterations - 1);
        modelIterations += work.tiles() * work.depth / kPerIteration;
    }
    std::printf("  trace under qemu (%s, %.0f k per iteration): %.0f kernel calls (expected "
                "%.0f), %.0f logged loop passes (expected %.0f); the model costs %.0f iterations, "
                "the remainders at the loop's rate\n",
                k.kernel.c_str(), kPerIteration, calls, expectedCalls, passes, expectedPasses,
                modelIterations);
}

} // namespace

int main(int argc, char **argv)
{
    std::map<std::string, std::string> options{{"models", "resnet8,resnet18"},
                                               {"configs", "W8A8,W4A4,W2A2,W1A8"},
                                               {"repeats", "10"}};
    const bool layers = bench::parseOptions(argc, argv, options);
    const int repeats = std::stoi(options["repeats"]);
    const auto files = deploy::AgentFiles::locate();

    std::printf("Kernel loops as llvm-mca-14 times them (steady state, one core):\n");
    std::printf("  %-11s %-7s %-45s %8s %8s %9s %8s\n", "core", "backend", "kernel", "MAC/iter",
                "cyc/iter", "MAC/cycle", "GMAC/s");
    std::vector<deploy::LatencyModel> cores;
    for (const auto &core : deploy::ModelledCore::arm()) {
        cores.emplace_back(core,
                           deploy::LatencyModel::Binaries{files.aarch64, files.arm64Xnnpack()});
        for (const auto &k : cores.back().kernels())
            std::printf("  %-11s %-7s %-45s %8.0f %8.1f %9.2f %8.2f\n", core.id.c_str(),
                        k.backend.c_str(), k.kernel.c_str(), k.macsPerIteration,
                        k.cyclesPerIteration, k.macsPerIteration / k.cyclesPerIteration,
                        k.macsPerIteration / k.cyclesPerIteration * core.clockGHz);
        for (const auto &[backend, why] : cores.back().skipped())
            std::printf("  %-11s %s not modelled: %s\n", core.id.c_str(), backend.c_str(),
                        why.c_str());
    }
    if (options.count("trace"))
        for (const auto &k : cores[1].kernels()) // the A55's: neon-dot, as qemu's CPU has SDOT
            if (k.backend == "lowbit")
                traceTripCounts(bench::buildNetwork(options["trace"], {"W4A4", 4, 4}), k, files);
    const double clock = runtime::CpuFeatures::measureClockGHz();
    const deploy::LatencyModel host(
        deploy::ModelledCore::host(clock, runtime::CpuFeatures::detected().avx512vpopcntdq),
        {files.x86_64, ""});
    std::printf("\nThis machine's core (%s), clock measured %.2f GHz, as %s (%s):\n",
                runtime::CpuFeatures::detected().name.c_str(), clock, host.core().llvmCpu.c_str(),
                host.core().note.c_str());
    for (const auto &k : host.kernels())
        std::printf("  %-7s %-20s %8.0f MAC/iter %8.1f cyc/iter %8.2f MAC/cycle\n",
                    k.backend.c_str(), k.kernel.c_str(), k.macsPerIteration,
                    k.cyclesPerIteration, k.macsPerIteration / k.cyclesPerIteration);

    for (const auto &modelName : bench::splitList(options["models"])) {
        const auto int8Model = bench::buildNetwork(modelName, {"W8A8", 8, 8});
        std::printf("\n%s: modelled milliseconds on one core (int8 and fp32 do not depend on the "
                    "config)\n",
                    modelName.c_str());
        std::printf("  %-11s %-6s %10s %10s %10s %10s %10s\n", "core", "config", "fp32", "int8",
                    "lowbit", "vs int8", "vs fp32");
        for (const auto &configName : bench::splitList(options["configs"])) {
            const auto model =
                bench::buildNetwork(modelName, bench::NetworkConfig::parse(configName));
            for (const auto &core : cores) {
                const auto p = core.predict(model);
                const double fp32 = seconds(p, "fp32"), int8 = seconds(p, "int8"),
                             low = seconds(p, "lowbit");
                std::printf("  %-11s %-6s %10.2f %10.2f %10.2f %9.2f× %9.1f×\n",
                            core.core().id.c_str(), configName.c_str(), 1e3 * fp32, 1e3 * int8,
                            1e3 * low, int8 / low, fp32 / low);
            }
        }
        // The check: the same model for this machine's core against the runtime's timing.
        std::printf("  the model on this machine (one thread; fp32 timed once where slow):\n");
        for (const auto &configName : bench::splitList(options["configs"])) {
            const auto model =
                bench::buildNetwork(modelName, bench::NetworkConfig::parse(configName));
            const auto predicted = host.predict(model);
            auto timing = measured(model, {"lowbit"}, repeats);
            const auto check = deploy::ModelCheck::compare(timing, predicted, model);
            for (const auto &c : check.backends)
                std::printf("    %-6s %-7s measured %9.3f ms, modelled %9.3f ms: %+5.0f %% end "
                            "to end, median layer |error| %3.0f %%\n",
                            configName.c_str(), c.backend.c_str(), 1e3 * c.measured,
                            1e3 * c.modelled, 100 * c.error, 100 * c.medianLayerError);
            if (layers)
                for (size_t i = 0; i < model.ops.size(); ++i)
                    if (model.ops[i].kind == qsm::OpKind::Conv ||
                        model.ops[i].kind == qsm::OpKind::Linear)
                        std::printf("      op %3zu measured %8.4f ms, modelled %8.4f ms\n", i,
                                    1e3 * timing[0].opSeconds[i],
                                    1e3 * predicted[0].opSeconds[i]);
        }
        const auto fp32Check = deploy::ModelCheck::compare(
            measured(int8Model, {"fp32"}, modelName == "resnet8" ? repeats : 1),
            host.predict(int8Model), int8Model);
        for (const auto &c : fp32Check.backends)
            std::printf("    %-6s %-7s measured %9.3f ms, modelled %9.3f ms: %+5.0f %% end to "
                        "end, median layer |error| %3.0f %%\n",
                        "any", c.backend.c_str(), 1e3 * c.measured, 1e3 * c.modelled,
                        100 * c.error, 100 * c.medianLayerError);
    }
    return 0;
}
