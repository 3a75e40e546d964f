// SPDX-License-Identifier: MIT
// EmulatedArm64Device: the aarch64 agent on this machine under qemu-aarch64-static, with the
// arm64 sysroot scripts/build-arm64 unpacked. It proves the ARM build end to end; its timings
// are an emulator's and always labelled so.
#pragma once

#include "local_device.h"

namespace quantscope::deploy {

class EmulatedArm64Device : public LocalDevice
{
public:
    explicit EmulatedArm64Device(std::string sysroot) : m_sysroot(std::move(sysroot)) {}

    std::string name() const override { return "emulated-arm64"; }
    bool emulated() const override { return true; }
    std::string architecture() override { return "aarch64"; }
    void open() override; // checks qemu and the sysroot first

protected:
    std::vector<std::string> launcher() const override;

private:
    std::string m_sysroot;
};

} // namespace quantscope::deploy
