// SPDX-License-Identifier: MIT
// ModelledDevice: an ARM core we do not have, as a device (`model:cortex-a55`). It answers the
// agent's commands itself: `info` describes the modelled core, `bench` predicts every backend's
// per-op latency with the LatencyModel — one core, labelled modelled, never a measurement — and
// checks that model against this machine's core timed by the local agent (ModelCheck), whose
// error is stored beside each prediction. `run` runs the local agent: our kernels' integer sums
// are exact on every CPU, so the outputs compared with the simulation are the device's too.
#pragma once

#include "local_device.h"
#include "modelled_core.h"

namespace quantscope::deploy {

class ModelledDevice : public LocalDevice
{
public:
    explicit ModelledDevice(ModelledCore core) : m_core(std::move(core)) {}

    std::string name() const override { return "model:" + m_core.id; }
    bool modelled() const override { return true; }
    void open() override; // checks llvm-14 and the arm64 build first
    ProcessResult agent(const std::vector<std::string> &args,
                        std::chrono::milliseconds timeout) override;

    // What a modelled core needs here: "" when ready, else what is missing.
    static std::string missing();

private:
    std::string info() const;
    std::string bench(const std::string &modelPath, std::chrono::milliseconds timeout);

    ModelledCore m_core;
};

} // namespace quantscope::deploy
