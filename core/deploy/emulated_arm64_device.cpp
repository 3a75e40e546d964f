// SPDX-License-Identifier: MIT
#include "emulated_arm64_device.h"

#include "error.h"

#include <filesystem>

namespace quantscope::deploy {

namespace {
constexpr const char *kQemu = "qemu-aarch64-static";
}

void EmulatedArm64Device::open()
{
    if (!Process::available(kQemu))
        throw Error(name() + ": " + kQemu + " is not installed (scripts/setup installs it)");
    std::error_code ec;
    if (m_sysroot.empty() || !std::filesystem::is_directory(m_sysroot, ec))
        throw Error(name() + ": no arm64 sysroot (scripts/build-arm64 makes one)");
    LocalDevice::open();
}

std::vector<std::string> EmulatedArm64Device::launcher() const
{
    // No -L: the pushed bundle's loader and libraries alone, exactly what a board or phone gets.
    return {kQemu};
}

} // namespace quantscope::deploy
