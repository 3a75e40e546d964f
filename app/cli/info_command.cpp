// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "model/quant_graph.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace quantscope::cli {

int infoCommand(const Args &argv)
{
    const CliArguments args(argv, {}, {"json"});
    model::QuantGraph graph(args.positional(0, "MODEL"));

    nlohmann::json out;
    out["model"] = graph.path();
    out["params"] = graph.totalParams();
    out["input"] = graph.inputShape().empty()
                       ? nlohmann::json{{"channels", graph.inputChannels()}}
                       : nlohmann::json{{"channels", graph.inputChannels()},
                                        {"shape", graph.inputShape()}};
    auto &layers = out["layers"] = nlohmann::json::array();
    for (const auto &l : graph.layers())
        layers.push_back({{"name", l.name},
                          {"kind", l.kindName()},
                          {"groups", l.groups},
                          {"weight_shape", l.weightShape},
                          {"params", l.params},
                          {"macs", l.macs}});
    auto &blocks = out["blocks"] = nlohmann::json::array();
    for (const auto &u : graph.units()) {
        nlohmann::json names = nlohmann::json::array();
        for (int id : u.layerIds)
            names.push_back(graph.layers()[id].name);
        blocks.push_back({{"name", u.name}, {"residual", u.isBlock}, {"layers", names}});
    }
    if (args.has("json")) {
        std::cout << out.dump(2) << std::endl;
        return 0;
    }
    std::printf("%s: %zu layers, %lld weights, input %s\n", graph.path().c_str(),
                graph.layers().size(), static_cast<long long>(graph.totalParams()),
                out["input"].dump().c_str());
    std::printf("  %-32s %-6s %6s %-18s %10s %12s\n", "layer", "kind", "groups", "weight shape",
                "params", "MACs");
    for (const auto &l : out["layers"])
        std::printf("  %-32s %-6s %6lld %-18s %10lld %12lld\n",
                    l["name"].get<std::string>().c_str(), l["kind"].get<std::string>().c_str(),
                    l["groups"].get<long long>(), l["weight_shape"].dump().c_str(),
                    l["params"].get<long long>(), l["macs"].get<long long>());
    std::printf("reconstruction units:\n");
    for (const auto &b : out["blocks"])
        std::printf("  %-5s %s\n", b["residual"].get<bool>() ? "block" : "layer",
                    b["layers"].dump().c_str());
    return 0;
}

} // namespace quantscope::cli
