// SPDX-License-Identifier: MIT
// DeployJob: a stored run timed on a device — exported as a packed model, the agent for the
// device's CPU and the model pushed to a private folder there, the device described (info),
// every backend timed (fp32, XNNPACK int8, our low-bit kernels: warm-up apart, min / p10 /
// median / p90 / max, per-op medians), the folder removed. The report is stored beside the run
// (artifacts/<run>/deployments/) so nothing measured is lost. Shared by the CLI and the GUI.
#pragma once

#include "deploy/device_probe.h"
#include "deploy/runtime_check.h"
#include "job.h"

#include <string>
#include <vector>

namespace quantscope::jobs {

struct DeployRequest
{
    int64_t runId = 0;
    std::string workspaceDir;
    // local | emulated-arm64 | ssh://[user@]host[:port] | adb[:SERIAL] | model:cortex-a55…
    std::string device = "local";
    std::vector<std::string> sshOptions; // to every ssh, e.g. {"-F", "config"}
    int threads = 1;
    int warmup = 3;
    int repeats = 20;
    int images = 256; // test images run on the device and compared with the simulation; 0: none
    // Which cores run the timing: "fastest" (on big.LITTLE the cores of the highest maximum
    // frequency; elsewhere the scheduler's choice), "none", or a list such as "4,5".
    std::string pin = "fastest";
};

struct BackendTiming
{
    std::string backend; // fp32 | int8 | lowbit
    std::string kernel;  // the low-bit GEMM kernel ("" otherwise)
    double min = 0, p10 = 0, median = 0, p90 = 0, max = 0; // seconds
    double peakRssKiB = 0;
    std::vector<double> opMedianSeconds; // per op of the packed model
    // A modelled device's: the model's end-to-end |error| for this backend on this machine's
    // core (ModelCheck), the band to read a prediction with; -1 where it was not checked.
    double modelError = -1;
};

struct DeployReport
{
    std::string device;
    deploy::DeviceFacts facts; // what the agent said the device is
    double macs = 0;
    int threads = 1, warmup = 0, repeats = 0;
    std::string pinnedCores;     // "" when not pinned
    std::string pinnedCoreTypes; // what the pinned cores are, where the device says
    std::vector<BackendTiming> backends;
    // Per op of the packed model: its kind ("conv", "add"…) and, for a layer, its weight bits
    // (0 for ops without weights): what the per-op timings belong to.
    std::vector<std::string> opKinds;
    std::vector<int> opBits;
    std::vector<int> opLayer; // the op's layer index, -1 for ops without weights
    // The device's low-bit outputs against the simulated model on the same test images.
    int64_t comparedImages = 0;
    double agreement = 0;    // share where both pick the same class
    double maxLogitDiff = 0; // largest |Δ| of an output
    double maxLogit = 0;     // largest |output| of the simulation, for scale
    // Per layer, its input on the device against the simulation, over the first few images.
    int64_t layerImages = 0;
    std::vector<deploy::LayerDifference> layers;
    nlohmann::json modelled;           // a modelled core's kernels and check; null otherwise
    // A real device whose timed cores are a modelled core: the model's figures for the same
    // file beside the measured ones, per backend (ModelCheck's form), with the core's id and
    // clock; null otherwise.
    nlohmann::json modelledBeside;
    std::vector<std::string> warnings; // emulation, a wide spread, a governor not `performance`
    std::string storedAt;              // the report's file in the workspace
    std::string agentJson;             // what the agent printed, as it printed it

    const BackendTiming *backend(const std::string &name) const;
};

class DeployJob : public Job
{
public:
    explicit DeployJob(DeployRequest request) : m_request(std::move(request)) {}

    std::string title() const override;
    // A device that does not answer, refuses the login, has another CPU, lacks space or whose
    // agent crashes throws quantscope::Error with one line; Cancel stops the remote agent too.
    void run(JobContext &context) override;

    const DeployReport &report() const { return m_report; }

    // The model's prediction for `report`'s device beside its timings (per op, of `packed`),
    // where the cores it timed on are
    // one modelled core (and llvm-14 and the arm64 build are here); null otherwise. A model that
    // cannot be made gives its reason as a warning in `report`.
    static nlohmann::json modelBeside(DeployReport &report, const qsm::Model &packed);

private:
    static deploy::SimulatedImages simulate(const store::RunRecord &run, const qsm::Model &packed,
                                            int64_t count);

    DeployRequest m_request;
    DeployReport m_report;
};

} // namespace quantscope::jobs
