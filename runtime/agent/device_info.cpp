// SPDX-License-Identifier: MIT
#include "device_info.h"

#include "engine/xnnpack_executor.h"
#include "kernels/cpu_features.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
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

// Arm Ltd's CPU part numbers (implementer 0x41), from the cores' technical reference manuals.
std::string armCoreName(unsigned long part)
{
    static const std::map<unsigned long, const char *> names = {
        {0xd03, "Cortex-A53"}, {0xd04, "Cortex-A35"}, {0xd05, "Cortex-A55"},
        {0xd07, "Cortex-A57"}, {0xd08, "Cortex-A72"}, {0xd09, "Cortex-A73"},
        {0xd0a, "Cortex-A75"}, {0xd0b, "Cortex-A76"}, {0xd0d, "Cortex-A77"},
        {0xd41, "Cortex-A78"}, {0xd44, "Cortex-X1"},  {0xd46, "Cortex-A510"},
        {0xd47, "Cortex-A710"}, {0xd48, "Cortex-X2"}, {0xd4d, "Cortex-A715"},
        {0xd4e, "Cortex-X3"},  {0xd80, "Cortex-A520"}, {0xd81, "Cortex-A720"},
        {0xd82, "Cortex-X4"}};
    const auto it = names.find(part);
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%03lx", part);
    return it != names.end() ? it->second : std::string("Arm part ") + hex;
}

} // namespace

std::vector<std::string> DeviceInfo::coreTypesFrom(std::istream &in, unsigned cores)
{
    std::vector<std::string> types;
    std::string line, implementer;
    auto field = [](const std::string &l) {
        const auto start = l.find_first_not_of(" \t", l.find(':') + 1);
        return l.find(':') == std::string::npos || start == std::string::npos ? std::string()
                                                                             : l.substr(start);
    };
    while (std::getline(in, line) && types.size() <= cores) {
        if (line.rfind("processor", 0) == 0)
            types.emplace_back();
        else if (types.empty())
            continue;
        else if (line.rfind("model name", 0) == 0)
            types.back() = field(line);
        else if (line.rfind("CPU implementer", 0) == 0)
            implementer = field(line);
        else if (line.rfind("CPU part", 0) == 0) {
            const unsigned long part = std::strtoul(field(line).c_str(), nullptr, 16);
            types.back() = std::strtoul(implementer.c_str(), nullptr, 16) == 0x41
                               ? armCoreName(part)
                               : "part " + field(line) + " of implementer " + implementer;
        }
    }
    if (types.size() != cores ||
        std::any_of(types.begin(), types.end(), [](const std::string &t) { return t.empty(); }))
        return {};
    return types;
}

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
    if (!d.emulated)
        d.clockGHz = runtime::CpuFeatures::measureClockGHz();
    if (d.emulated) // the host's /proc/cpuinfo names no Arm CPU: say what runs the code
        d.cpu = "qemu-user " + d.architecture + " emulation";
    else {
        std::ifstream cpuinfo("/proc/cpuinfo");
        d.coreTypes = coreTypesFrom(cpuinfo, d.cores);
    }
    return d;
}

void DeviceInfo::write(JsonWriter &json) const
{
    json.value("agent_version", kAgentVersion)
        .value("build", std::string(__VERSION__) + (sizeof(void *) == 8 ? ", 64-bit" : ", 32-bit") +
                            (runtime::XnnpackExecutor::available() ? "" : ", no XNNPACK"))
        .value("cpu", cpu)
        .value("architecture", architecture)
        .value("features", features)
        .value("cores", double(cores));
    json.beginArray("max_frequency_khz");
    for (long f : maxFrequencyKHz)
        json.value(nullptr, double(f));
    json.endArray().beginArray("core_types");
    for (const auto &t : coreTypes)
        json.value(nullptr, t);
    json.endArray()
        .value("governor", governor)
        .value("page_size", double(pageSize))
        .value("emulated", emulated)
        .value("clock_ghz", clockGHz);
}

} // namespace quantscope::agent
