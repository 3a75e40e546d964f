// SPDX-License-Identifier: MIT
// DeviceInfo: what the agent tells about the machine it runs on — CPU model and features, cores
// with each one's maximum frequency (big.LITTLE shows as two groups), the frequency governor, the
// page size, and how the agent was built — so every timing says where it was taken.
#pragma once

#include "json_writer.h"

#include <istream>
#include <string>
#include <vector>

namespace quantscope::agent {

struct DeviceInfo
{
    std::string cpu;
    std::string architecture; // x86_64 | aarch64
    std::string features;
    unsigned cores = 0;
    std::vector<long> maxFrequencyKHz; // per core; empty where the kernel does not say
    // Per core, what it is: "Cortex-A76" (Arm's part number), the model name elsewhere; empty
    // where /proc/cpuinfo does not say, or under emulation (it describes the host there).
    std::vector<std::string> coreTypes;
    std::string governor;              // of cpu0; "" where unreadable
    long pageSize = 0;
    bool emulated = false;             // under qemu-user: timings are not the device's
    // The clock the running core keeps now, measured (0 under emulation): what a cycle count
    // from a scheduling model is divided by, where cpufreq is absent (a virtual machine's
    // /proc/cpuinfo gives its nominal clock, not its boost).
    double clockGHz = 0;

    static DeviceInfo probe();
    // /proc/cpuinfo's per-processor blocks as core types: Arm Ltd's part numbers by name, the
    // model name elsewhere; empty unless every one of `cores` is named.
    static std::vector<std::string> coreTypesFrom(std::istream &cpuinfo, unsigned cores);
    void write(JsonWriter &json) const;
};

constexpr const char *kAgentVersion = "1.0";

} // namespace quantscope::agent
