// SPDX-License-Identifier: MIT
// RemoteShellDevice: a device reached through a remote shell — SSH or ADB. The transport gives
// the command line that runs one shell command there and the one that sends a file; the rest
// is shared: the CPU probed with uname, a private mktemp folder, the agent started from quoted
// arguments (never pasted text), stopped with pkill on a cancel or deadline, and the folder
// removed at the end.
#pragma once

#include "device.h"

namespace quantscope::deploy {

class RemoteShellDevice : public Device
{
public:
    std::string architecture() override; // uname -m there
    void open() override;
    void push(const std::string &localPath, const std::string &fileName) override;
    std::string path(const std::string &fileName) const override;
    ProcessResult agent(const std::vector<std::string> &args,
                        std::chrono::milliseconds timeout) override;
    void close() override;

    // The local command line that runs `command` (a shell command line, already quoted) there.
    virtual std::vector<std::string> shellCommand(const std::string &command) const = 0;

protected:
    // The folder the private working folder is made in ("/tmp", "/data/local/tmp").
    virtual std::string tempRoot() const = 0;
    // Sends localPath to remotePath; the result as Process gives it.
    virtual ProcessResult send(const std::string &localPath, const std::string &remotePath) = 0;
    // The transport's own failure (not the command's), as one line — or "" when the result is
    // the command's.
    virtual std::string transportFailure(const ProcessResult &result) const = 0;

    // Runs `command` there; throws on a cancel, a deadline or the transport's failure.
    ProcessResult shell(const std::string &command, std::chrono::milliseconds timeout,
                        const std::string &what);

private:
    std::string m_folder;
};

} // namespace quantscope::deploy
