// SPDX-License-Identifier: MIT
#include "ssh_device.h"

#include "error.h"

namespace quantscope::deploy {

SshDevice::SshDevice(const std::string &target, std::vector<std::string> options)
    : m_options(std::move(options))
{
    std::string rest = target.rfind("ssh://", 0) == 0 ? target.substr(6) : target;
    if (const auto at = rest.find('@'); at != std::string::npos) {
        m_user = rest.substr(0, at);
        rest = rest.substr(at + 1);
    }
    if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
        m_port = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
        if (m_port.empty() || m_port.find_first_not_of("0123456789") != std::string::npos)
            throw Error("'" + target + "': the port must be a number");
    }
    m_host = rest;
    // A host or user starting with '-' would be read by ssh as an option.
    if (m_host.empty() || m_host[0] == '-' || (!m_user.empty() && m_user[0] == '-'))
        throw Error("'" + target + "' is not an ssh://[user@]host[:port] address");
}

std::string SshDevice::name() const
{
    return "ssh://" + (m_user.empty() ? "" : m_user + "@") + m_host +
           (m_port.empty() ? "" : ":" + m_port);
}

std::vector<std::string> SshDevice::shellCommand(const std::string &command) const
{
    std::vector<std::string> argv{"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                                  "-o", "ConnectTimeout=10"};
    if (!m_port.empty())
        argv.insert(argv.end(), {"-p", m_port});
    argv.insert(argv.end(), m_options.begin(), m_options.end());
    argv.push_back((m_user.empty() ? "" : m_user + "@") + m_host);
    argv.push_back("--");
    argv.push_back(command);
    return argv;
}

ProcessResult SshDevice::send(const std::string &localPath, const std::string &remotePath)
{
    // cat on the host reads the file from our stdin.
    return Process::run(shellCommand("cat > " + Process::shellQuote(remotePath)),
                        std::chrono::minutes(5), cancelCheck(), localPath);
}

std::string SshDevice::transportFailure(const ProcessResult &result) const
{
    // 255 is ssh's own failure: refused, unknown host key, no login, connection lost.
    if (result.exitCode != 255)
        return {};
    return result.lastLine().empty() ? "the connection closed during the run" : result.lastLine();
}

} // namespace quantscope::deploy
