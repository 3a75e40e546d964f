// SPDX-License-Identifier: MIT
// SshDevice: a host reached with OpenSSH's own ssh — the user's config, keys and agent —
// in batch mode (a password prompt fails instead of hanging) and with host keys checked against
// known_hosts (an unknown or changed key is an error, never accepted). The working folder is a
// private mktemp folder on the host, removed at the end. Remote command lines are built from
// quoted arguments, never by pasting text into a shell.
#pragma once

#include "device.h"

namespace quantscope::deploy {

class SshDevice : public Device
{
public:
    // target: ssh://[user@]host[:port]; options go to every ssh (e.g. -F config).
    SshDevice(const std::string &target, std::vector<std::string> options);
    ~SshDevice() override { close(); }

    std::string name() const override;
    std::string architecture() override; // uname -m on the host
    void open() override;
    void push(const std::string &localPath, const std::string &fileName) override;
    std::string path(const std::string &fileName) const override;
    ProcessResult agent(const std::vector<std::string> &args,
                        std::chrono::milliseconds timeout) override;
    void close() override;

    // The ssh command line that runs `remote` (already quoted) on the host: for tests and logs.
    std::vector<std::string> sshCommand(const std::string &remote) const;

private:
    // Runs `remote` on the host; throws with ssh's own last line when ssh itself fails.
    ProcessResult remote(const std::string &remote, std::chrono::milliseconds timeout,
                         const std::string &what);

    std::string m_user, m_host, m_port;
    std::vector<std::string> m_options;
    std::string m_folder;
};

} // namespace quantscope::deploy
