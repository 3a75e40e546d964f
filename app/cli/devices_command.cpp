// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "deploy/device.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace quantscope::cli {

int devicesCommand(const Args &argv)
{
    const CliArguments args(argv, {}, {"json"});
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
