// SPDX-License-Identifier: MIT
// AdbDevice: an Android phone or board through Android's adb (Debian package adb): files with
// `adb -s SERIAL push`, commands with `adb -s SERIAL shell`, in a private folder under
// /data/local/tmp. The aarch64 agent goes with its own C library and loader (AgentFiles::bundle),
// since Android has none of Debian's.
#pragma once

#include "remote_shell_device.h"

namespace quantscope::deploy {

struct AdbPhone
{
    std::string serial;
    std::string state;   // "device" when usable; "unauthorized", "offline"…
    std::string model;   // from `adb devices -l`, where given
};

class AdbDevice : public RemoteShellDevice
{
public:
    // target: "adb" (the one phone attached) or "adb:SERIAL". Throws when adb is missing, no
    // phone (or more than one, for "adb") is attached, or the phone is not usable.
    explicit AdbDevice(const std::string &target);
    ~AdbDevice() override { close(); }

    std::string name() const override { return "adb:" + m_serial; }
    std::vector<std::string> shellCommand(const std::string &command) const override;

    // `adb devices -l`, parsed; throws when adb is missing or does not answer.
    static std::vector<AdbPhone> phones();
    static std::vector<AdbPhone> parseDeviceList(const std::string &text);

protected:
    std::string tempRoot() const override { return "/data/local/tmp"; }
    ProcessResult send(const std::string &localPath, const std::string &remotePath) override;
    std::string transportFailure(const ProcessResult &result) const override;

private:
    std::string m_serial;
};

} // namespace quantscope::deploy
