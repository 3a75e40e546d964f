// SPDX-License-Identifier: MIT
// The networks the runtime benchmarks time (bench_runtime, bench_core_model): the demo ResNet-8
// at 28×28 and torchvision-style ResNet-18 and MobileNetV2 at 224×224, with seeded random
// weights (speed does not depend on training). The first conv and the classifier stay W8A8 in
// every configuration, as quantized models keep them. And the benches' command line.
#pragma once

#include "format/qsm_model.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace quantscope::bench {

struct NetworkConfig
{
    std::string name; // "W4A4"
    uint32_t wbits, abits;

    static NetworkConfig parse(const std::string &name); // "W2A8" → {…, 2, 8}
};

// "resnet8", "resnet18" or "mobilenetv2"; throws std::runtime_error for another name.
qsm::Model buildNetwork(const std::string &name, const NetworkConfig &config);

std::vector<std::string> splitList(const std::string &text); // "a,b" → {"a", "b"}

// "--name value" pairs into `options` (over their defaults); true where --layers was given.
bool parseOptions(int argc, char **argv, std::map<std::string, std::string> &options);

} // namespace quantscope::bench
