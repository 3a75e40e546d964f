// SPDX-License-Identifier: MIT
// DeviceProbe: the agent on a device and what it says the device is — pushed into an open
// session and asked (`info --json`) by a deploy, or as a whole connection test (open, push,
// ask, close) for the Devices panel and `quantscope-cli devices --test`.
#pragma once

#include "device.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace quantscope::deploy {

struct DeviceFacts
{
    std::string name, architecture, cpu, features, governor;
    int cores = 0;
    bool emulated = false;
    bool modelled = false; // a modelled core: its timings are predictions
    std::vector<long> maxFrequencyKhz; // per core; differing values: big.LITTLE
    std::vector<std::string> coreTypes; // per core, "Cortex-A76"…; empty where unknown
    nlohmann::json info;               // the agent's answer as it gave it

    // The cores grouped by type and maximum frequency, fastest first:
    // "4 × Cortex-A76 2.40 GHz + 4 × Cortex-A55 1.80 GHz".
    std::string coreSummary() const;
};

class DeviceProbe
{
public:
    // Copies the agent built for the device's CPU (and, for aarch64, its loader and libraries)
    // into the open session.
    static void pushAgent(Device &device, const std::string &architecture);
    // The pushed agent's description of the device.
    static DeviceFacts describe(Device &device);
    // Opens a session, pushes the agent, asks it, closes: every failure one line.
    static DeviceFacts test(Device &device);

    // An agent command's failure as one line naming the device and what it was doing.
    static void check(const ProcessResult &result, const std::string &device,
                      const std::string &what);
    // The agent's one-line JSON answer, checked.
    static nlohmann::json answer(const ProcessResult &result, const std::string &device,
                                 const std::string &what);
};

} // namespace quantscope::deploy
