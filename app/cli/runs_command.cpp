// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "demo_files.h"
#include "error.h"
#include "run_printer.h"
#include "store/workspace.h"

#include <iostream>

namespace quantscope::cli {

int runsCommand(const Args &argv)
{
    const CliArguments args(argv, {"workspace"}, {"json"});
    const std::string action = args.positional(0, "list or show");
    const store::Workspace workspace(args.value("workspace", app::DemoFiles::defaultWorkspace()));
    if (action == "list") {
        const auto runs = workspace.runs();
        if (args.has("json")) {
            auto all = nlohmann::json::array();
            for (const auto &r : runs)
                all.push_back(RunPrinter::toJson(r, {}));
            std::cout << nlohmann::json{{"workspace", workspace.dir()}, {"runs", all}}.dump()
                      << std::endl;
        } else {
            RunPrinter::printTable(runs);
        }
        return 0;
    }
    if (action == "show") {
        const int64_t run = args.runNumber(1);
        const auto record = workspace.run(run);
        const auto layers = workspace.layers(run);
        if (args.has("json"))
            std::cout << RunPrinter::toJson(record, layers).dump() << std::endl;
        else
            RunPrinter::printRun(record, layers);
        return 0;
    }
    throw Error("runs: expected list or show, got '" + action + "'");
}

} // namespace quantscope::cli
