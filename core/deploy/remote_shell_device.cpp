// SPDX-License-Identifier: MIT
#include "remote_shell_device.h"

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

ProcessResult RemoteShellDevice::shell(const std::string &command,
                                       std::chrono::milliseconds timeout, const std::string &what)
{
    auto result = Process::run(shellCommand(command), timeout, cancelCheck());
    if (result.cancelled)
        throw Cancelled(what);
    if (result.timedOut)
        throw Error(name() + ": no answer within " +
                    std::to_string(timeout.count() / 1000) + " s (" + what + ")");
    if (const auto failure = transportFailure(result); !failure.empty())
        throw Error(name() + ": " + failure);
    return result;
}

std::string RemoteShellDevice::architecture()
{
    const auto result = shell("uname -m", seconds(30), "probing the CPU");
    if (!result.ok())
        throw Error(name() + ": uname -m failed: " + result.lastLine());
    return trimmed(result.out);
}

void RemoteShellDevice::open()
{
    close();
    const std::string prefix = tempRoot() + "/quantscope.";
    const auto result = shell("mktemp -d " + Process::shellQuote(prefix + "XXXXXX"), seconds(30),
                              "making a working folder");
    const std::string folder = trimmed(result.out);
    if (!result.ok() || folder.rfind(prefix, 0) != 0)
        throw Error(name() + ": cannot make a working folder: " + result.lastLine());
    m_folder = folder;
}

void RemoteShellDevice::push(const std::string &localPath, const std::string &fileName)
{
    const auto result = send(localPath, path(fileName));
    if (result.cancelled)
        throw Cancelled("copying " + fileName);
    if (!result.ok())
        throw Error(name() + ": copying " + fileName + " failed: " +
                    (result.timedOut ? "not done in 5 minutes" : result.lastLine()));
}

std::string RemoteShellDevice::path(const std::string &fileName) const
{
    return m_folder + "/" + fileName;
}

ProcessResult RemoteShellDevice::agent(const std::vector<std::string> &args,
                                       std::chrono::milliseconds timeout)
{
    // Not the shell's last command, so it is not exec'd: the shell there outlives an agent
    // killed by a signal and reports it as 128 + the signal (the transport alone would end
    // with its own failure status and nothing said).
    const std::string command = "chmod +x " + Process::commandLine(executables()) + " && " +
                                Process::commandLine(agentCommand(args)) + "; exit $?";
    auto result = Process::run(shellCommand(command), timeout, cancelCheck());
    if (result.cancelled || result.timedOut) { // the transport went; the agent may still run
        Process::run(shellCommand("pkill -f " + Process::shellQuote(path("quantscope-agent"))),
                     seconds(15));
    } else if (const auto failure = transportFailure(result); !failure.empty()) {
        throw Error(name() + ": " + failure);
    } else if (result.exitCode > 128) {
        result.signal = result.exitCode - 128;
        result.exitCode = -1;
    }
    return result;
}

void RemoteShellDevice::close()
{
    if (m_folder.empty())
        return;
    // Best effort, no cancel: the folder should go even when the deploy was cancelled.
    Process::run(shellCommand("rm -rf " + Process::shellQuote(m_folder)), seconds(30));
    m_folder.clear();
}

} // namespace quantscope::deploy
