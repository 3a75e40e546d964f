// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "demo_files.h"
#include "error.h"
#include "jobs/quantize_job.h"
#include "progress_printer.h"
#include "run_printer.h"

#include <iostream>

namespace quantscope::cli {

namespace {

std::pair<std::string, std::string> splitPair(const std::string &text, const char *option)
{
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        throw Error(std::string("--") + option + " expects key=value (got '" + text + "')");
    return {text.substr(0, eq), text.substr(eq + 1)};
}

} // namespace

int quantizeCommand(const Args &argv)
{
    const CliArguments args(argv,
                            {"data", "method", "wbits", "abits", "set", "layer-bits",
                             "workspace", "mean", "std", "size", "eval-limit", "device"},
                            {"json"});
    jobs::QuantizeRequest req;
    req.modelPath = args.positional(0, "MODEL");
    req.dataPath = args.required("data");
    req.method = args.value("method", "rtn");
    req.wbits = static_cast<int>(args.integer("wbits", 4));
    req.abits = static_cast<int>(args.integer("abits", 32));
    for (const auto &kv : args.all("set"))
        req.settings.insert(splitPair(kv, "set"));
    for (const auto &kv : args.all("layer-bits")) {
        const auto [name, bits] = splitPair(kv, "layer-bits");
        char *end = nullptr;
        const long b = std::strtol(bits.c_str(), &end, 10);
        if (bits.empty() || *end != '\0')
            throw Error("--layer-bits " + kv + ": bits must be a whole number");
        req.layerBits[name] = static_cast<int>(b);
    }
    req.inputs = {args.floats("mean"), args.floats("std"), args.integer("size", 0)};
    req.workspaceDir = args.value("workspace", app::DemoFiles::defaultWorkspace());
    req.evalLimit = args.integer("eval-limit", 0);
    req.device = args.value("device", "cpu");

    jobs::QuantizeJob job(req);
    ProgressPrinter::runJob(job);
    if (args.has("json"))
        std::cout << RunPrinter::toJson(job.record(), job.layers()).dump() << std::endl;
    else
        RunPrinter::printRun(job.record(), job.layers());
    return 0;
}

} // namespace quantscope::cli
