// SPDX-License-Identifier: MIT
// DemoFiles: where the bundled demo model, the system's Fashion-MNIST and the default workspace
// are — one answer for quantscope-cli and the GUI, so runs of either show up in the other.
#pragma once

#include <string>

namespace quantscope::app {

class DemoFiles
{
public:
    // Each throws quantscope::Error saying what is missing and how to get it.
    static std::string modelPath();
    static std::string fashionMnistPath();
    // $QUANTSCOPE_WORKSPACE, else ~/.local/share/quantscope/workspace.
    static std::string defaultWorkspace();
};

} // namespace quantscope::app
