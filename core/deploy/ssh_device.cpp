// SPDX-License-Identifier: MIT
#include "ssh_device.h"

#include "error.h"

namespace quantscope::deploy {

namespace {

using std::chrono::seconds;

std::string trimmed(const std::string &text)
{
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

} // namespace

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
            throw Error("ssh://" + target + ": the port must be a number");
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

std::vector<std::string> SshDevice::sshCommand(const std::string &remote) const
{
    std::vector<std::string> argv{"ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                                  "-o", "ConnectTimeout=10"};
    if (!m_port.empty())
        argv.insert(argv.end(), {"-p", m_port});
    argv.insert(argv.end(), m_options.begin(), m_options.end());
    argv.push_back((m_user.empty() ? "" : m_user + "@") + m_host);
    argv.push_back("--");
    argv.push_back(remote);
    return argv;
}

ProcessResult SshDevice::remote(const std::string &remote, std::chrono::milliseconds timeout,
                                const std::string &what)
{
    auto result = Process::run(sshCommand(remote), timeout, cancelCheck());
    if (result.cancelled)
        throw Cancelled(what);
    if (result.timedOut)
        throw Error(name() + ": no answer within " +
                    std::to_string(timeout.count() / 1000) + " s (" + what + ")");
    if (result.exitCode == 255) // ssh's own failure: refused, unknown host key, no login…
        throw Error(name() + ": " + result.lastLine());
    return result;
}

std::string SshDevice::architecture()
{
    const auto result = remote("uname -m", seconds(30), "probing the CPU");
    if (!result.ok())
        throw Error(name() + ": uname -m failed: " + result.lastLine());
    return trimmed(result.out);
}

void SshDevice::open()
{
    close();
    const auto result =
        remote("mktemp -d /tmp/quantscope.XXXXXX", seconds(30), "making a working folder");
    const std::string folder = trimmed(result.out);
    if (!result.ok() || folder.rfind("/tmp/quantscope.", 0) != 0)
        throw Error(name() + ": cannot make a working folder: " + result.lastLine());
    m_folder = folder;
}

void SshDevice::push(const std::string &localPath, const std::string &fileName)
{
    // Through ssh itself (cat on the host reads the file from our stdin): a host needs a shell,
    // not scp or an SFTP server, which small boards' sshd often lack.
    auto result = Process::run(sshCommand("cat > " + Process::shellQuote(path(fileName))),
                               std::chrono::minutes(5), cancelCheck(), localPath);
    if (result.cancelled)
        throw Cancelled("copying " + fileName);
    if (!result.ok())
        throw Error(name() + ": copying " + fileName + " failed: " +
                    (result.timedOut ? "not done in 5 minutes" : result.lastLine()));
}

std::string SshDevice::path(const std::string &fileName) const
{
    return m_folder + "/" + fileName;
}

ProcessResult SshDevice::agent(const std::vector<std::string> &args,
                               std::chrono::milliseconds timeout)
{
    std::vector<std::string> argv{path("quantscope-agent")};
    argv.insert(argv.end(), args.begin(), args.end());
    // Not the shell's last command, so it is not exec'd: the host's shell outlives an agent
    // killed by a signal and reports it as 128 + the signal (ssh alone would end with 255 and
    // nothing said).
    const std::string command = "chmod +x " + Process::shellQuote(path("quantscope-agent")) +
                                " && " + Process::commandLine(argv) + "; exit $?";
    auto result = Process::run(sshCommand(command), timeout, cancelCheck());
    if (result.cancelled || result.timedOut) { // the ssh went; the agent may still run there
        Process::run(sshCommand("pkill -f " + Process::shellQuote(path("quantscope-agent"))),
                     seconds(15));
    } else if (result.exitCode == 255) {
        throw Error(name() + ": " + (result.lastLine().empty()
                                         ? std::string("the connection closed during the run")
                                         : result.lastLine()));
    } else if (result.exitCode > 128) {
        result.signal = result.exitCode - 128;
        result.exitCode = -1;
    }
    return result;
}

void SshDevice::close()
{
    if (m_folder.empty())
        return;
    // Best effort, no cancel: the folder should go even when the deploy was cancelled.
    Process::run(sshCommand("rm -rf " + Process::shellQuote(m_folder)), seconds(30));
    m_folder.clear();
}

} // namespace quantscope::deploy
