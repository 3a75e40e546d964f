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

struct ModelCheck
{
    std::string cpu;     // what was timed
    std::string llvmCpu; // the scheduling model it was modelled with
    double clockGHz = 0;
    std::vector<CheckedBackend> backends;
    std::vector<std::string> skipped; // what could not be checked, and why

    // `bench` is the agent's `bench --json` answer for `model`.
    static ModelCheck compare(const nlohmann::json &bench,
                              const std::vector<ModelledBackend> &predicted,
                              const qsm::Model &model);
    // |error| of `backend`, or -1 where it was not checked.
    double errorOf(const std::string &backend) const;
    nlohmann::json toJson() const;
};

} // namespace quantscope::deploy
