// SPDX-License-Identifier: MIT
#include "demo_files.h"

#include "error.h"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace quantscope::app {

std::string DemoFiles::modelPath()
{
    for (const char *dir : {QUANTSCOPE_INSTALLED_RESOURCE_DIR, QUANTSCOPE_RESOURCE_DIR}) {
        const auto p = fs::path(dir) / "demo" / "fashion_resnet8.pt";
        if (fs::is_regular_file(p))
            return p.string();
    }
    throw Error("the demo model resources/demo/fashion_resnet8.pt is missing from this build");
}

std::string DemoFiles::fashionMnistPath()
{
    if (!fs::is_directory(QUANTSCOPE_FASHION_MNIST_DIR))
        throw Error(std::string(QUANTSCOPE_FASHION_MNIST_DIR) +
                    " is missing: install Debian's dataset-fashion-mnist (scripts/setup does)");
    return QUANTSCOPE_FASHION_MNIST_DIR;
}

std::string DemoFiles::defaultWorkspace()
{
    if (const char *env = std::getenv("QUANTSCOPE_WORKSPACE"); env && *env)
        return env;
    const char *home = std::getenv("HOME");
    return (fs::path(home && *home ? home : ".") / ".local/share/quantscope/workspace").string();
}

} // namespace quantscope::app
