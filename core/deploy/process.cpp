// SPDX-License-Identifier: MIT
#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace quantscope::deploy {

namespace {

using Clock = std::chrono::steady_clock;

// Reads what is ready on fd into text; false at end of file.
bool drain(int fd, std::string &text)
{
    char buffer[4096];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
        text.append(buffer, size_t(n));
        return true;
    }
    return n < 0 && (errno == EINTR || errno == EAGAIN);
}

} // namespace

std::string ProcessResult::lastLine() const
{
    for (const std::string *text : {&err, &out}) {
        std::istringstream in(*text);
        std::string line, last;
        while (std::getline(in, line))
            if (line.find_first_not_of(" \t\r") != std::string::npos)
                last = line;
        // ssh ends its messages with "\r\n": the carriage return is not part of the line.
        last.erase(last.find_last_not_of(" \t\r") + 1);
        if (!last.empty())
            return last;
    }
    return {};
}

ProcessResult Process::run(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                           const std::function<bool()> &cancelled, const std::string &stdinFile)
{
    ProcessResult result;
    const std::string input = stdinFile.empty() ? "/dev/null" : stdinFile;
    int outPipe[2], errPipe[2];
    if (argv.empty() || pipe2(outPipe, O_CLOEXEC) != 0 || pipe2(errPipe, O_CLOEXEC) != 0) {
        result.exitCode = 127;
        result.err = argv.empty() ? "no program given" : std::strerror(errno);
        return result;
    }
    std::vector<char *> args;
    for (const auto &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);

    const pid_t pid = fork();
    if (pid == 0) {
        // The child: its own process group (so a stop reaches its children), the given stdin,
        // the pipes as stdout and stderr.
        setpgid(0, 0);
        const int in = open(input.c_str(), O_RDONLY);
        if (in < 0) {
            const std::string why = input + ": " + std::strerror(errno) + "\n";
            (void)!write(errPipe[1], why.data(), why.size());
            _exit(127);
        }
        dup2(in, STDIN_FILENO);
        dup2(outPipe[1], STDOUT_FILENO);
        dup2(errPipe[1], STDERR_FILENO);
        execvp(args[0], args.data());
        const std::string why = std::string(argv[0]) + ": " + std::strerror(errno) + "\n";
        (void)!write(STDERR_FILENO, why.data(), why.size());
        _exit(127);
    }
    close(outPipe[1]);
    close(errPipe[1]);
    if (pid < 0) {
        close(outPipe[0]);
        close(errPipe[0]);
        result.exitCode = 127;
        result.err = std::strerror(errno);
        return result;
    }
    setpgid(pid, pid); // also here: no race with the child's own call

    const auto deadline = Clock::now() + timeout;
    bool outOpen = true, errOpen = true;
    Clock::time_point killAt{};
    int sent = 0;
    while (outOpen || errOpen) {
        pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
        poll(fds, 2, 100);
        if (fds[0].revents)
            outOpen = drain(outPipe[0], result.out);
        if (fds[1].revents)
            errOpen = drain(errPipe[0], result.err);
        const auto now = Clock::now();
        if (sent == 0 && (now >= deadline || (cancelled && cancelled()))) {
            (now >= deadline ? result.timedOut : result.cancelled) = true;
            kill(-pid, SIGTERM);
            sent = SIGTERM;
            killAt = now + std::chrono::seconds(2);
        } else if (sent == SIGTERM && now >= killAt) {
            kill(-pid, SIGKILL);
            sent = SIGKILL;
        }
    }
    close(outPipe[0]);
    close(errPipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
        result.exitCode = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.signal = WTERMSIG(status);
    return result;
}

bool Process::available(const std::string &program)
{
    if (program.find('/') != std::string::npos)
        return access(program.c_str(), X_OK) == 0;
    const char *path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':'))
        if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0)
            return true;
    return false;
}

std::string Process::shellQuote(const std::string &argument)
{
    std::string quoted = "'";
    for (char c : argument)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string Process::commandLine(const std::vector<std::string> &argv)
{
    std::string line;
    for (const auto &a : argv)
        line += (line.empty() ? "" : " ") + shellQuote(a);
    return line;
}

} // namespace quantscope::deploy
