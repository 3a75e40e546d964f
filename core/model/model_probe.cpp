// SPDX-License-Identifier: MIT
#include "model_probe.h"

#include "deploy/process.h"
#include "error.h"
#include "quant_graph.h"

#include <cstdio>
#include <cstring>

namespace quantscope::model {

void ModelProbe::check(const std::string &program, const std::string &modelPath,
                       std::chrono::milliseconds timeout)
{
    const auto r = deploy::Process::run({program, kFlag, modelPath}, timeout);
    if (r.ok())
        return;
    if (r.timedOut)
        throw Error(modelPath + ": loading the model did not finish within " +
                    std::to_string(timeout.count() / 1000) + " s");
    if (r.signal != 0)
        throw Error(modelPath + ": LibTorch's loader crashed on this file (" +
                    strsignal(r.signal) + "); it is damaged or was not written by "
                    "torch.jit.save — nothing else was affected");
    if (r.exitCode == 127)
        throw Error("cannot check the model in a separate process: " + r.lastLine());
    throw Error(r.lastLine().empty() ? modelPath + ": the model could not be loaded" : r.lastLine());
}

int ModelProbe::childMain(const std::string &modelPath)
{
    try {
        const QuantGraph graph(modelPath);
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s\n", errorLine(e.what()).c_str());
        return 2;
    }
}

} // namespace quantscope::model
