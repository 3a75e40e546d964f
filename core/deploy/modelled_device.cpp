// SPDX-License-Identifier: MIT
#include "modelled_device.h"

#include "agent_files.h"
#include "device_probe.h"
#include "error.h"
#include "json_field.h"
#include "latency_model.h"
#include "model_check.h"

#include "engine/model_benchmark.h"
#include "format/qsm_reader.h"
#include "kernels/cpu_features.h"

#include <nlohmann/json.hpp>


namespace quantscope::deploy {

namespace {

ProcessResult answered(const std::string &json)
{
    ProcessResult r;
    r.exitCode = 0;
    r.out = json + "\n";
    return r;
}

} // namespace

std::string ModelledDevice::missing()
{
    for (const char *tool : {"llvm-mca-14", "llvm-objdump-14", "llvm-nm-14"})
        if (!Process::available(tool))
            return std::string(tool) + " is not installed (Debian package llvm-14; scripts/setup)";
    if (AgentFiles::locate().aarch64.empty())
        return "no aarch64 agent to read the kernels from (scripts/build-arm64)";
    return {};
}

void ModelledDevice::open()
{
    const std::string why = missing();
    if (!why.empty())
        throw Error(name() + ": " + why);
    LocalDevice::open();
}

ProcessResult ModelledDevice::agent(const std::vector<std::string> &args,
                                    std::chrono::milliseconds timeout)
{
    if (!args.empty() && args[0] == "info")
        return answered(info());
    if (args.size() >= 2 && args[0] == "bench")
        return answered(bench(args[1], timeout));
    return LocalDevice::agent(args, timeout);
}

std::string ModelledDevice::info() const
{
    const nlohmann::json info{
        {"agent_version", "model"},
        {"cpu", m_core.name + " (modelled: " + m_core.example + ")"},
        {"architecture", m_core.triple},
        {"features", m_core.dotProduct ? "neon dotprod" : "neon"},
        {"cores", 1},
        {"max_frequency_khz", {long(m_core.clockGHz * 1e6)}},
        {"core_types", {m_core.name}},
        {"governor", ""},
        {"emulated", false},
        {"modelled", true},
        {"clock_ghz", m_core.clockGHz}};
    return info.dump();
}

std::string ModelledDevice::bench(const std::string &modelPath, std::chrono::milliseconds timeout)
{
    const auto model = qsm::QsmReader::read(modelPath);
    const auto files = AgentFiles::locate();
    const LatencyModel arm(m_core, {files.aarch64, files.arm64Xnnpack()});
    const auto predicted = arm.predict(model);

    // The same model for this machine's core, against the local agent's timing of this file.
    ModelCheck check;
    const auto &cpu = runtime::CpuFeatures::detected();
    if (!cpu.avx512vnni) {
        check.skipped.push_back("the check models the AVX-512 VNNI kernel, which this CPU ("
                                + cpu.name + ") does not run");
    } else {
        const auto local = DeviceProbe::answer(LocalDevice::agent({"info", "--json"}, timeout),
                                               "local", "describing this machine");
        const auto host = ModelledCore::host(jsonField(local, "clock_ghz", 0.0),
                                                   cpu.avx512vpopcntdq);
        const auto measured = DeviceProbe::answer(
            LocalDevice::agent({"bench", modelPath, "--backend", "all", "--threads", "1",
                                "--warmup", "1", "--repeats", "5", "--json"},
                               timeout),
            "local", "timing the model for the check");
        const LatencyModel hostModel(host, {files.x86_64, ""});
        check = ModelCheck::compare(ModelCheck::fromAgent(measured), hostModel.predict(model),
                                    model);
        check.cpu = cpu.name;
        check.llvmCpu = host.llvmCpu;
        check.clockGHz = host.clockGHz;
        for (const auto &[backend, why] : hostModel.skipped())
            check.skipped.push_back(backend + ": " + why);
    }

    const auto macs = runtime::ModelBenchmark::macs(model);
    double totalMacs = 0;
    for (double m : macs)
        totalMacs += m;
    nlohmann::json backends = nlohmann::json::array();
    for (const auto &p : predicted) {
        nlohmann::json ops = nlohmann::json::array();
        for (size_t i = 0; i < model.ops.size(); ++i)
            ops.push_back({{"kind", qsm::opKindName(model.ops[i].kind)},
                           {"macs", macs[i]},
                           {"median_s", p.opSeconds[i]}});
        const double s = p.seconds;
        backends.push_back({{"backend", p.backend},
                            {"kernel", p.kernel},
                            {"latency_s",
                             {{"min", s}, {"p10", s}, {"median", s}, {"p90", s}, {"max", s}}},
                            {"model_error", check.errorOf(p.backend)},
                            {"ops", ops}});
    }
    nlohmann::json failed = nlohmann::json::array();
    for (const auto &[backend, why] : arm.skipped())
        failed.push_back({{"backend", backend}, {"error", why}});
    nlohmann::json kernels = nlohmann::json::array();
    for (const auto &k : arm.kernels())
        kernels.push_back({{"backend", k.backend},
                           {"kernel", k.kernel},
                           {"function", k.function},
                           {"cycles_per_iteration", k.cyclesPerIteration},
                           {"macs_per_iteration", k.macsPerIteration}});
    const nlohmann::json out{
        {"model", modelPath},
        {"macs", totalMacs},
        {"threads", 1},
        {"backends", backends},
        {"failed", failed},
        {"modelled",
         {{"core", m_core.id},
          {"llvm_cpu", m_core.llvmCpu},
          {"clock_ghz", m_core.clockGHz},
          {"bandwidth_gbs", m_core.bandwidthGBs},
          {"bandwidth_source", m_core.bandwidthSource},
          {"note", m_core.note},
          {"kernels", kernels},
          {"check", check.toJson()}}}};
    return out.dump();
}

} // namespace quantscope::deploy
