// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "error.h"
#include "jobs/quantize_job.h"
#include "progress_printer.h"
#include "quant/method.h"
#include "run_printer.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace quantscope::cli {

std::string demoModelPath()
{
    for (const char *dir : {QUANTSCOPE_INSTALLED_RESOURCE_DIR, QUANTSCOPE_RESOURCE_DIR}) {
        const auto p = fs::path(dir) / "demo" / "fashion_resnet8.pt";
        if (fs::is_regular_file(p))
            return p.string();
    }
    throw Error("the demo model resources/demo/fashion_resnet8.pt is missing from this build");
}

std::string fashionMnistPath()
{
    if (!fs::is_directory(QUANTSCOPE_FASHION_MNIST_DIR))
        throw Error(std::string(QUANTSCOPE_FASHION_MNIST_DIR) +
                    " is missing: install Debian's dataset-fashion-mnist (scripts/setup does)");
    return QUANTSCOPE_FASHION_MNIST_DIR;
}

std::string defaultWorkspace()
{
    if (const char *env = std::getenv("QUANTSCOPE_WORKSPACE"); env && *env)
        return env;
    const char *home = std::getenv("HOME");
    return (fs::path(home && *home ? home : ".") / ".local/share/quantscope/workspace").string();
}

int demoCommand(const Args &argv)
{
    const CliArguments args(argv, {"workspace"}, {});
    const std::string workspace = args.value("workspace", defaultWorkspace());
    std::printf("QuantScope demo: the bundled ResNet-8 on Fashion-MNIST, every method at the usual "
                "bit-widths\n(DSQ: one short epoch of 10 000 images).\nworkspace: %s\n\n",
                workspace.c_str());
    const std::vector<std::pair<int, int>> bits = {{8, 8}, {4, 32}, {4, 8}, {4, 4}, {2, 32},
                                                   {2, 4}};
    std::vector<store::RunRecord> runs;
    for (const auto &method : quant::Method::names()) {
        for (const auto &[w, a] : bits) {
            jobs::QuantizeRequest req;
            req.modelPath = demoModelPath();
            req.dataPath = fashionMnistPath();
            req.method = method;
            req.wbits = w;
            req.abits = a;
            req.workspaceDir = workspace;
            // QAT methods get a short schedule so the demo finishes in minutes; the
            // benchmarks in bench/ run the full ones.
            if (method == "dsq")
                req.settings = {{"epochs", "1"}, {"train_limit", "10000"}};
            jobs::QuantizeJob job(req);
            ProgressPrinter::runJob(job);
            runs.push_back(job.record());
        }
    }
    std::printf("\n");
    RunPrinter::printTable(runs);
    std::printf("\nquantscope-cli runs show RUN --workspace %s shows a run's layers.\n",
                workspace.c_str());
    return 0;
}

} // namespace quantscope::cli
