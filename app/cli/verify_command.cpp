// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "demo_files.h"
#include "deploy/qsm_exporter.h"
#include "deploy/runtime_check.h"
#include "error.h"
#include "format/qsm_reader.h"
#include "format/qsm_writer.h"
#include "jobs/model_inputs.h"
#include "layer_difference_table.h"
#include "progress_printer.h"
#include "store/workspace.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace quantscope::cli {

int verifyCommand(const Args &argv)
{
    const CliArguments args(argv, {"workspace", "limit"}, {"json"});
    const int64_t id = args.runNumber(0);
    const store::Workspace workspace(args.value("workspace", app::DemoFiles::defaultWorkspace()));
    const auto run = workspace.run(id);
    // Through the bytes, so the writer and the reader are part of what is checked.
    const auto bytes = qsm::QsmWriter::serialize(deploy::QsmExporter::build(run));
    const auto model = qsm::QsmReader::parse(bytes.data(), bytes.size());

    // The test images as the run saw them: its size and normalisation.
    jobs::InputOverrides overrides;
    overrides.mean = model.mean;
    overrides.std = model.std;
    overrides.imageSize = model.height;
    model::QuantGraph graph(run.artifact);
    jobs::ModelInputs inputs(graph, run.data, overrides);
    const auto test = inputs.open(data::Split::Test);

    jobs::JobContext context;
    ProgressPrinter printer("verify");
    printer.attach(context);
    const auto r = deploy::RuntimeCheck::run(run, graph, model, test, inputs.transform(),
                                             args.integer("limit", 0), context);
    printer.finish();
    if (args.has("json")) {
        std::cout << nlohmann::json{{"run_id", id},
                                    {"images", r.images},
                                    {"simulated_top1", r.simulatedTop1},
                                    {"lowbit_top1", r.lowbitTop1},
                                    {"agreement", r.agreement},
                                    {"fp32_max_rel_diff", r.fp32MaxRelDiff},
                                    {"qsm_bytes", bytes.size()},
                                    {"layers", deploy::toJson(r.layers)}}
                         .dump()
                  << std::endl;
        return 0;
    }
    std::printf("run #%lld on %lld test images: simulated top-1 %.2f %%, runtime lowbit %.2f %%, "
                "same class on %.2f %% of images\n",
                static_cast<long long>(id), static_cast<long long>(r.images),
                100 * r.simulatedTop1, 100 * r.lowbitTop1, 100 * r.agreement);
    std::printf("runtime fp32 vs LibTorch (float activations): max relative difference %.2e\n",
                r.fp32MaxRelDiff);
    printLayerDifferences(r.layers);
    return 0;
}

} // namespace quantscope::cli
