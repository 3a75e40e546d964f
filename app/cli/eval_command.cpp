// SPDX-License-Identifier: MIT
#include "analysis/evaluator.h"
#include "cli_arguments.h"
#include "error.h"
#include "commands.h"
#include "jobs/model_inputs.h"
#include "progress_printer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace quantscope::cli {

int evalCommand(const Args &argv)
{
    const CliArguments args(argv, {"data", "split", "mean", "std", "size", "limit"}, {"json"});
    model::QuantGraph graph(args.positional(0, "MODEL"));
    const std::string split = args.value("split", "test");
    if (split != "test" && split != "train")
        throw Error("--split must be test or train");
    const jobs::InputOverrides overrides{args.floats("mean"), args.floats("std"),
                                         args.integer("size", 0)};
    jobs::ModelInputs inputs(graph, args.required("data"), overrides);
    const auto data = inputs.open(split == "test" ? data::Split::Test : data::Split::Train);
    const auto transform = inputs.transform();
    // Stated before the run, so a wrong size or normalisation is seen before the number.
    std::fprintf(args.has("json") ? stderr : stdout, "%s\n", inputs.describe().c_str());
    std::fflush(stdout);
    auto session = graph.makeSession();
    jobs::JobContext context;
    ProgressPrinter printer("eval");
    printer.attach(context);
    for (const auto &w : inputs.warnings())
        printer.warn(w);
    const auto r = analysis::Evaluator::evaluate(graph, session, data, transform,
                                                 args.integer("limit", 0), &context);
    printer.finish();
    if (const auto w = analysis::Evaluator::nearChanceWarning(r); !w.empty())
        printer.warn(w);
    if (args.has("json")) {
        std::cout << nlohmann::json{{"top1", r.top1}, {"top5", r.top5}, {"loss", r.loss},
                                    {"samples", r.samples}, {"confusion", r.confusion},
                                    {"classes", data.classNames},
                                    {"input", {{"image_size", inputs.imageSize()},
                                               {"image_size_source", inputs.sizeSource()},
                                               {"mean", transform.mean},
                                               {"std", transform.std},
                                               {"normalisation_source",
                                                inputs.normalisationSource()},
                                               {"warnings", inputs.warnings()}}}}
                         .dump()
                  << std::endl;
        return 0;
    }
    std::printf("top-1 %.2f %%  top-5 %.2f %%  loss %.4f  (%lld %s images)\n", r.top1 * 100,
                r.top5 * 100, r.loss, static_cast<long long>(r.samples), split.c_str());
    return 0;
}

} // namespace quantscope::cli
