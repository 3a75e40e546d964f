// SPDX-License-Identifier: MIT
// Process: runs a program with its arguments — never through a shell, so no argument is ever
// parsed as shell text — capturing its output, under a deadline and a cancel check. When either
// passes, the program's whole process group is stopped (SIGTERM, then SIGKILL), so an ssh or
// qemu child and what it started go with it.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace quantscope::deploy {

struct ProcessResult
{
    int exitCode = -1;    // the program's status; -1 when it did not exit by itself
    int signal = 0;       // the signal that ended it (a crash: SIGSEGV, SIGABRT…), else 0
    bool timedOut = false;
    bool cancelled = false;
    std::string out, err;

    bool ok() const { return exitCode == 0 && !timedOut && !cancelled; }
    // The last non-empty line of stderr (else stdout): what a failed command said.
    std::string lastLine() const;
};

class Process
{
public:
    // argv[0] is looked up in PATH. A program that cannot be started gives exitCode 127 and
    // the reason in err. Its stdin is `stdinFile`, or nothing (/dev/null): a program that would
    // ask a question fails instead of waiting.
    static ProcessResult run(const std::vector<std::string> &argv,
                             std::chrono::milliseconds timeout,
                             const std::function<bool()> &cancelled = {},
                             const std::string &stdinFile = {});

    // Whether `program` is on PATH (or is an executable path).
    static bool available(const std::string &program);
    // One argument quoted for a POSIX shell ('…', with ' as '\''): how a remote command line
    // (ssh, adb shell) is built from arguments that may hold anything.
    static std::string shellQuote(const std::string &argument);
    static std::string commandLine(const std::vector<std::string> &argv); // quoted, joined
};

} // namespace quantscope::deploy
