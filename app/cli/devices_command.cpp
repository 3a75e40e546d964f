// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "deploy/device.h"
#include "deploy/device_probe.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace quantscope::cli {

namespace {

// Connects, copies the agent, asks it what the device is, cleans up: a failure is one line and
// exit status 2 (main), as a deploy's would be.
int testDevice(const CliArguments &args)
{
    std::vector<std::string> sshOptions;
    if (args.has("ssh-config"))
        sshOptions = {"-F", args.value("ssh-config")};
    const auto device = deploy::Device::named(args.value("test"), sshOptions);
    const auto facts = deploy::DeviceProbe::test(*device);
    if (args.has("json")) {
        std::cout << nlohmann::json{{"name", facts.name}, {"info", facts.info}}.dump() << std::endl;
        return 0;
    }
    std::printf("%s answered: %s (%s; %s)%s\n", facts.name.c_str(), facts.cpu.c_str(),
                facts.architecture.c_str(), facts.coreSummary().c_str(),
                facts.emulated ? " — emulated" : "");
    std::printf("  features: %s\n", facts.features.c_str());
    if (!facts.governor.empty())
        std::printf("  frequency governor: %s\n", facts.governor.c_str());
    return 0;
}

} // namespace

int devicesCommand(const Args &argv)
{
    const CliArguments args(argv, {"test", "ssh-config"}, {"json"});
    if (args.has("test"))
        return testDevice(args);
    const auto devices = deploy::Device::known();
    if (args.has("json")) {
        auto list = nlohmann::json::array();
        for (const auto &d : devices)
            list.push_back({{"name", d.name}, {"ready", d.ready}, {"detail", d.detail}});
        std::cout << list.dump() << std::endl;
        return 0;
    }
    for (const auto &d : devices)
        std::printf("  %-26s %-9s %s\n", d.name.c_str(), d.ready ? "ready" : "not ready",
                    d.detail.c_str());
    return 0;
}

} // namespace quantscope::cli
