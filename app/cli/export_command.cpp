// SPDX-License-Identifier: MIT
#include "cli_arguments.h"
#include "commands.h"
#include "demo_files.h"
#include "deploy/qsm_exporter.h"
#include "error.h"
#include "format/qsm_model.h"
#include "store/workspace.h"

#include <cstdio>
#include <filesystem>

namespace quantscope::cli {

int exportCommand(const Args &argv)
{
    const CliArguments args(argv, {"out", "workspace"}, {});
    const int64_t id = args.runNumber(0);
    const store::Workspace workspace(args.value("workspace", app::DemoFiles::defaultWorkspace()));
    const auto run = workspace.run(id);
    const std::string out = args.required("out");
    const auto model = deploy::QsmExporter::exportRun(run, out);
    size_t packed = 0;
    for (const auto &l : model.layers)
        packed += l.weightBytes();
    std::printf("%s: run #%lld as %zu ops, %zu layers, %.1f KiB of weights (%llu bytes in all)\n",
                out.c_str(), static_cast<long long>(id), model.ops.size(), model.layers.size(),
                packed / 1024.0, static_cast<unsigned long long>(std::filesystem::file_size(out)));
    return 0;
}

} // namespace quantscope::cli
