// SPDX-License-Identifier: MIT
// ModelProbe: loads an untrusted model file in a child process first, so a file that crashes
// LibTorch's loader (a hostile or damaged TorchScript zip can make it read out of bounds or
// abort) ends the child, not the program a user has work open in — and the user is told why.
// The child is the program itself, started with `kFlag FILE`: its main() hands those arguments
// to childMain() before doing anything else.
#pragma once

#include <chrono>
#include <string>

namespace quantscope::model {

class ModelProbe
{
public:
    static constexpr const char *kFlag = "--probe-model";

    // Throws quantscope::Error with the child's one-line reason when the model cannot be loaded
    // and instrumented (as QuantGraph would throw it), when loading it crashed the child (naming
    // the signal), or when it took longer than `timeout`.
    static void check(const std::string &program, const std::string &modelPath,
                      std::chrono::milliseconds timeout = std::chrono::minutes(5));

    // What the child does: imports the model as QuantGraph does and exits 0, or prints the
    // reason on stderr and exits 2.
    static int childMain(const std::string &modelPath);
};

} // namespace quantscope::model
