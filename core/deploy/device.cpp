// SPDX-License-Identifier: MIT
#include "device.h"

#include "adb_device.h"
#include "agent_files.h"
#include "emulated_arm64_device.h"
#include "error.h"
#include "local_device.h"
#include "modelled_device.h"
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
        return std::make_unique<AdbDevice>(name);
    std::string cores;
    for (const auto &c : ModelledCore::arm())
        cores += (cores.empty() ? "" : "|") + c.id;
    if (name.rfind("model:", 0) == 0) {
        if (const auto *core = ModelledCore::find(name.substr(6)))
            return std::make_unique<ModelledDevice>(*core);
        throw Error("no modelled core '" + name.substr(6) + "' (model:" + cores + ")");
    }
    throw Error("unknown device '" + name + "' (local, emulated-arm64, ssh://[user@]host[:port], "
                "adb, adb:SERIAL or model:" + cores + ")");
}

std::vector<std::string> Device::agentCommand(const std::vector<std::string> &args) const
{
    std::vector<std::string> argv;
    if (!m_loader.empty()) {
        const std::string agent = path("quantscope-agent");
        argv = {path(m_loader), "--library-path", agent.substr(0, agent.rfind('/'))};
    }
    argv.push_back(path("quantscope-agent"));
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

std::vector<std::string> Device::executables() const
{
    std::vector<std::string> files{path("quantscope-agent")};
    if (!m_loader.empty())
        files.push_back(path(m_loader));
    return files;
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
    const std::string unmodelled = ModelledDevice::missing();
    for (const auto &c : ModelledCore::arm())
        list.push_back({"model:" + c.id, unmodelled.empty(),
                        unmodelled.empty() ? "modelled " + c.name + " at " +
                                                 std::to_string(c.clockGHz).substr(0, 3) +
                                                 " GHz, as in " + c.example +
                                                 ": latency predicted by llvm-mca, not measured"
                                           : unmodelled});
    list.push_back({"ssh://[user@]host[:port]", Process::available("ssh"),
                    Process::available("ssh")
                        ? "a host your ssh reaches with a key (batch mode, known host keys)"
                        : "ssh is not installed"});
    if (!Process::available("adb")) {
        list.push_back({"adb[:SERIAL]", false, "adb is not installed (Debian package adb)"});
        return list;
    }
    try {
        const auto phones = AdbDevice::phones();
        if (phones.empty())
            list.push_back({"adb[:SERIAL]", false, "no phone attached"});
        for (const auto &p : phones)
            list.push_back({"adb:" + p.serial, p.state == "device",
                            (p.model.empty() ? std::string("a phone") : p.model) + " (" + p.state + ")"});
    } catch (const Error &e) {
        list.push_back({"adb[:SERIAL]", false, e.what()});
    }
    return list;
}

} // namespace quantscope::deploy
