// SPDX-License-Identifier: MIT
// demoRequest: the quantize request every method benchmark starts from — the bundled demo model
// on Fashion-MNIST, weights-and-activations bits, the method's settings, a scratch workspace.
#pragma once

#include "jobs/quantize_job.h"

#include <map>
#include <string>

namespace quantscope::bench {

inline jobs::QuantizeRequest demoRequest(const std::string &method, int wbits, int abits,
                                         std::map<std::string, std::string> settings,
                                         const std::string &workspace)
{
    jobs::QuantizeRequest req;
    req.modelPath = QUANTSCOPE_RESOURCE_DIR "/demo/fashion_resnet8.pt";
    req.dataPath = QUANTSCOPE_FASHION_MNIST_DIR;
    req.method = method;
    req.wbits = wbits;
    req.abits = abits;
    req.settings = std::move(settings);
    req.workspaceDir = workspace;
    return req;
}

} // namespace quantscope::bench
