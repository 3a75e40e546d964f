// SPDX-License-Identifier: MIT
// ModelCheck: the latency model held against a measurement — this machine's x86-64 core, timed
// by the local agent, and the same model (KernelLoop, LoopCycles, LatencyModel) run for it. Its
// errors are the band shown beside every modelled ARM figure: the only core we can both model
// and time here.
#pragma once

#include "latency_model.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace quantscope::deploy {

struct CheckedBackend
{
    std::string backend;
    double measured = 0, modelled = 0; // seconds, end to end
    double error = 0;                  // (modelled − measured) / measured, end to end
    double medianLayerError = 0;       // median |error| over the conv and linear ops
};

// One backend as timed: its per-op median seconds, in the model's op order.
struct MeasuredBackend
{
    std::string backend;
    std::vector<double> opSeconds;
};

struct ModelCheck
{
    std::string cpu;     // what was timed
    std::string llvmCpu; // the scheduling model it was modelled with
    double clockGHz = 0;
    std::vector<CheckedBackend> backends;
    std::vector<std::string> skipped; // what could not be checked, and why

    // The backends both timed and modelled; a timing without one figure per op is left out.
    static ModelCheck compare(const std::vector<MeasuredBackend> &measured,
                              const std::vector<ModelledBackend> &predicted,
                              const qsm::Model &model);
    // The agent's `bench --json` answer as per-op timings.
    static std::vector<MeasuredBackend> fromAgent(const nlohmann::json &bench);
    // |error| of `backend`, or -1 where it was not checked.
    double errorOf(const std::string &backend) const;
    nlohmann::json toJson() const;
};

} // namespace quantscope::deploy
