// SPDX-License-Identifier: MIT
#include "device_probe.h"

#include "agent_files.h"
#include "error.h"
#include "json_field.h"

#include <cstdio>
#include <map>

namespace quantscope::deploy {

std::string DeviceFacts::coreSummary() const
{
    // Cores grouped by type and maximum frequency, fastest first: big.LITTLE shows as groups.
    std::map<std::pair<long, std::string>, int, std::greater<>> groups;
    for (int c = 0; c < cores; ++c)
        ++groups[{size_t(c) < maxFrequencyKhz.size() ? maxFrequencyKhz[size_t(c)] : 0,
                  size_t(c) < coreTypes.size() ? coreTypes[size_t(c)] : std::string()}];
    std::string text;
    for (const auto &[key, count] : groups) {
        const auto &[khz, type] = key;
        text += (text.empty() ? "" : " + ") + std::to_string(count) + " × " +
                (type.empty() ? std::string("core") : type);
        if (khz > 0) {
            char ghz[32];
            std::snprintf(ghz, sizeof ghz, " %.2f GHz", double(khz) / 1e6);
            text += ghz;
        }
    }
    return text;
}

void DeviceProbe::pushAgent(Device &device, const std::string &architecture)
{
    for (const auto &file : AgentFiles::locate().bundle(architecture)) {
        device.push(file.path, file.fileName);
        if (file.loader)
            device.useLoader(file.fileName);
    }
}

DeviceFacts DeviceProbe::describe(Device &device)
{
    DeviceFacts facts;
    facts.name = device.name();
    facts.info = answer(device.agent({"info", "--json"}, std::chrono::seconds(60)), facts.name,
                        "describing the device");
    const auto &info = facts.info;
    facts.architecture = jsonField(info, "architecture", "");
    facts.cpu = jsonField(info, "cpu", "");
    facts.features = jsonField(info, "features", "");
    facts.governor = jsonField(info, "governor", "");
    facts.cores = jsonField(info, "cores", 0);
    facts.emulated = device.emulated() || jsonField(info, "emulated", false);
    facts.modelled = device.modelled() || jsonField(info, "modelled", false);
    for (const auto &f : jsonField(info, "max_frequency_khz", nlohmann::json::array()))
        if (f.is_number_integer())
            facts.maxFrequencyKhz.push_back(f.get<long>());
    for (const auto &t : jsonField(info, "core_types", nlohmann::json::array()))
        if (t.is_string())
            facts.coreTypes.push_back(t.get<std::string>());
    return facts;
}

DeviceFacts DeviceProbe::test(Device &device)
{
    const std::string architecture = device.architecture();
    const Device::Session session(device);
    pushAgent(device, architecture);
    return describe(device);
}

void DeviceProbe::check(const ProcessResult &result, const std::string &device,
                        const std::string &what)
{
    if (result.cancelled)
        throw Cancelled(what);
    if (result.timedOut)
        throw Error(device + ": the agent did not finish " + what + " in time");
    if (result.signal != 0)
        throw Error(device + ": the agent crashed while " + what + " (signal " +
                    std::to_string(result.signal) + ")");
    if (result.exitCode != 0)
        throw Error(device + ": the agent failed while " + what + ": " + result.lastLine());
}

nlohmann::json DeviceProbe::answer(const ProcessResult &result, const std::string &device,
                                   const std::string &what)
{
    check(result, device, what);
    const auto json = nlohmann::json::parse(result.out, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        throw Error(device + ": the agent's answer while " + what + " is not JSON");
    return json;
}

} // namespace quantscope::deploy
