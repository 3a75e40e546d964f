// SPDX-License-Identifier: MIT
#include "device.h"

#include "agent_files.h"
#include "emulated_arm64_device.h"
#include "error.h"
#include "local_device.h"
#include "ssh_device.h"

namespace quantscope::deploy {

std::unique_ptr<Device> Device::named(const std::string &name,
                                      const std::vector<std::string> &sshOptions)
{
    if (name == "local")
        return std::make_unique<LocalDevice>();
    if (name == "emulated-arm64")
        return std::make_unique<EmulatedArm64Device>(AgentFiles::locate().arm64Sysroot);
    if (name.rfind("ssh://", 0) == 0)
        return std::make_unique<SshDevice>(name, sshOptions);
    if (name == "adb" || name.rfind("adb:", 0) == 0)
        throw Error("'" + name + "': ADB devices are not supported yet");
    throw Error("unknown device '" + name +
                "' (local, emulated-arm64 or ssh://[user@]host[:port])");
}

std::vector<DeviceEntry> Device::known()
{
    const auto files = AgentFiles::locate();
    std::vector<DeviceEntry> list;
    LocalDevice local;
    const std::string arch = local.architecture();
    const bool localAgent = (arch == "x86_64" && !files.x86_64.empty()) ||
                            (arch == "aarch64" && !files.aarch64.empty());
    list.push_back({"local", localAgent,
                    "this machine (" + arch + ")" +
                        (localAgent ? "" : ": no quantscope-agent built for it")});
    std::string missing;
    if (!Process::available("qemu-aarch64-static"))
        missing = "qemu-aarch64-static is not installed (scripts/setup)";
    else if (files.aarch64.empty() || files.arm64Sysroot.empty())
        missing = "no aarch64 agent or sysroot (scripts/build-arm64)";
    list.push_back({"emulated-arm64", missing.empty(),
                    missing.empty() ? "the aarch64 agent under qemu: proves the ARM build, "
                                      "timings emulated"
                                    : missing});
    list.push_back({"ssh://[user@]host[:port]", Process::available("ssh"),
                    Process::available("ssh")
                        ? "a host your ssh reaches with a key (batch mode, known host keys)"
                        : "ssh is not installed"});
    return list;
}

} // namespace quantscope::deploy
