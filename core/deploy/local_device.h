// SPDX-License-Identifier: MIT
// LocalDevice: this machine, in a private folder under /tmp — the agent runs natively.
#pragma once

#include "device.h"

namespace quantscope::deploy {

class LocalDevice : public Device
{
public:
    ~LocalDevice() override { close(); }

    std::string name() const override { return "local"; }
    std::string architecture() override; // uname's machine
    void open() override;
    void push(const std::string &localPath, const std::string &fileName) override;
    std::string path(const std::string &fileName) const override;
    ProcessResult agent(const std::vector<std::string> &args,
                        std::chrono::milliseconds timeout) override;
    void close() override;

protected:
    // What the agent is started through (an emulator), before its own path; none here.
    virtual std::vector<std::string> launcher() const { return {}; }

private:
    std::string m_folder;
};

} // namespace quantscope::deploy
