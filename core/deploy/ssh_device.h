// SPDX-License-Identifier: MIT
// SshDevice: a host reached with OpenSSH's own ssh — the user's config, keys and agent — in
// batch mode (a password prompt fails instead of hanging) and with host keys checked against
// known_hosts (an unknown or changed key is an error, never accepted). Files go through ssh
// itself, so the host needs a shell, not scp or an SFTP server.
#pragma once

#include "remote_shell_device.h"

namespace quantscope::deploy {

class SshDevice : public RemoteShellDevice
{
public:
    // target: ssh://[user@]host[:port]; options go to every ssh (e.g. -F config).
    SshDevice(const std::string &target, std::vector<std::string> options);
    ~SshDevice() override { close(); }

    std::string name() const override;
    std::vector<std::string> shellCommand(const std::string &command) const override;

protected:
    std::string tempRoot() const override { return "/tmp"; }
    ProcessResult send(const std::string &localPath, const std::string &remotePath) override;
    std::string transportFailure(const ProcessResult &result) const override;

private:
    std::string m_user, m_host, m_port;
    std::vector<std::string> m_options;
};

} // namespace quantscope::deploy
