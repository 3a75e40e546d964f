// SPDX-License-Identifier: MIT
#include "device_info.h"

#include "kernels/cpu_features.h"

#include <unistd.h>

#include <fstream>
#include <thread>

namespace quantscope::agent {

namespace {

std::string firstLine(const std::string &path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// qemu-user leaves the host's /proc/cpuinfo in place: an aarch64 agent that reads an x86 CPU's
// fields there runs emulated.
bool underEmulation(const std::string &architecture)
{
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    bool x86Host = false;
    while (std::getline(in, line))
        if (line.rfind("vendor_id", 0) == 0 || line.rfind("model name", 0) == 0)
            x86Host = true;
    return architecture == "aarch64" && x86Host;
}

} // namespace

DeviceInfo DeviceInfo::probe()
{
    DeviceInfo d;
    const auto &cpu = runtime::CpuFeatures::detected();
    d.cpu = cpu.name;
#if defined(__x86_64__)
    d.architecture = "x86_64";
#elif defined(__aarch64__)
    d.architecture = "aarch64";
#else
    d.architecture = "unknown";
#endif
    d.features = cpu.list();
    d.cores = std::thread::hardware_concurrency();
    for (unsigned c = 0; c < d.cores; ++c) {
        const auto khz = firstLine("/sys/devices/system/cpu/cpu" + std::to_string(c) +
                                   "/cpufreq/cpuinfo_max_freq");
        if (khz.empty())
            break;
        d.maxFrequencyKHz.push_back(std::stol(khz));
    }
    d.governor = firstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    d.pageSize = sysconf(_SC_PAGESIZE);
    d.emulated = underEmulation(d.architecture);
    return d;
}

void DeviceInfo::write(JsonWriter &json) const
{
    json.value("agent_version", kAgentVersion)
        .value("build", std::string(__VERSION__) + (sizeof(void *) == 8 ? ", 64-bit" : ", 32-bit"))
        .value("cpu", cpu)
        .value("architecture", architecture)
        .value("features", features)
        .value("cores", double(cores));
    json.beginArray("max_frequency_khz");
    for (long f : maxFrequencyKHz)
        json.value(nullptr, double(f));
    json.endArray()
        .value("governor", governor)
        .value("page_size", double(pageSize))
        .value("emulated", emulated);
}

} // namespace quantscope::agent
