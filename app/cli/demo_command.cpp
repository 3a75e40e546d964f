// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "demo_files.h"
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

int demoCommand(const Args &argv)
{
    const CliArguments args(argv, {"workspace"}, {});
    const std::string workspace = args.value("workspace", app::DemoFiles::defaultWorkspace());
    std::printf("QuantScope demo: the bundled ResNet-8 on Fashion-MNIST, every method at the usual "
                "bit-widths\n(DSQ, CPQ: one epoch of 10 000 images; ALQ: eight of 10 000; BRECQ: "
                "the fast preset).\n"
                "workspace: %s\n\n",
                workspace.c_str());
    const std::vector<std::pair<int, int>> bits = {{8, 8}, {4, 32}, {4, 8}, {4, 4}, {2, 32},
                                                   {2, 4}};
    std::vector<store::RunRecord> runs;
    for (const auto &method : quant::Method::names()) {
        for (const auto &[w, a] : bits) {
            jobs::QuantizeRequest req;
            req.modelPath = app::DemoFiles::modelPath();
            req.dataPath = app::DemoFiles::fashionMnistPath();
            req.method = method;
            req.wbits = w;
            req.abits = a;
            req.workspaceDir = workspace;
            // The trained methods get short schedules so the demo finishes in minutes; the
            // benchmarks in bench/ run the full ones.
            if (method == "dsq" || method == "cpq")
                req.settings = {{"epochs", "1"}, {"train_limit", "10000"}};
            else if (method == "brecq")
                req.settings = {{"preset", "fast"}};
            else if (method == "alq")
                req.settings = {{"train_limit", "10000"}, {"rounds", "2"},
                                {"basis_epochs", "1"}, {"post_epochs", "2"},
                                {"post_coordinate_epochs", "1"}};
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
