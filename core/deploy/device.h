// SPDX-License-Identifier: MIT
// Device: where a packed model is timed — this machine, the aarch64 agent under qemu, an SSH
// host — behind one interface (DESIGN.md "Devices"). A session: open() makes a private working
// folder there, push() copies a file into it, agent() runs the pushed agent, close() removes the
// folder. Every step has a deadline and honours the cancel check; a failure throws
// quantscope::Error with one line that names the device and what went wrong.
#pragma once

#include "process.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace quantscope::deploy {

// A device the workbench knows of, for `devices` and the Devices panel.
struct DeviceEntry
{
    std::string name;
    bool ready = false;  // can be deployed to now
    std::string detail;  // what it is, or what it lacks
};

class Device
{
public:
    // open() now and close() however the scope ends: a session's working folder never stays.
    class Session
    {
    public:
        explicit Session(Device &device) : m_device(device) { device.open(); }
        ~Session() { m_device.close(); }
        Session(const Session &) = delete;
        Session &operator=(const Session &) = delete;

    private:
        Device &m_device;
    };

    virtual ~Device() = default;

    // As the CLI spells it: "local", "emulated-arm64", "ssh://user@host:port", "model:cortex-a55".
    virtual std::string name() const = 0;
    // Timings are not the device's own (qemu): they are labelled so, never called a speedup.
    virtual bool emulated() const { return false; }
    // Timings are predicted, not taken (a modelled core): labelled so beside every figure.
    virtual bool modelled() const { return false; }
    // "x86_64" or "aarch64": which agent build to push.
    virtual std::string architecture() = 0;

    virtual void open() = 0;
    // Copies a local file into the working folder as `fileName`.
    virtual void push(const std::string &localPath, const std::string &fileName) = 0;
    // Where a pushed file lies on the device, to name it in the agent's arguments.
    virtual std::string path(const std::string &fileName) const = 0;
    // Runs the pushed quantscope-agent with `args`. On a deadline or cancel the agent is stopped
    // on the device too.
    virtual ProcessResult agent(const std::vector<std::string> &args,
                                std::chrono::milliseconds timeout) = 0;
    // Removes the working folder; safe to call twice, never throws.
    virtual void close() = 0;

    void setCancelCheck(std::function<bool()> cancelled) { m_cancelled = std::move(cancelled); }
    // The agent is started through this pushed C-library loader, with the working folder as
    // its library path (the aarch64 bundle, AgentFiles::bundle); "" to start it directly.
    void useLoader(const std::string &fileName) { m_loader = fileName; }

    // A device from its CLI name: local, emulated-arm64, ssh://[user@]host[:port].
    // sshOptions go to every ssh (e.g. {"-F", "config"}).
    static std::unique_ptr<Device> named(const std::string &name,
                                         const std::vector<std::string> &sshOptions = {});
    // This machine, the emulated ARM device and what each needs; SSH hosts are named by the
    // user (ssh://…), so they are listed as a form, not found.
    static std::vector<DeviceEntry> known();

protected:
    bool cancelled() const { return m_cancelled && m_cancelled(); }
    const std::function<bool()> &cancelCheck() const { return m_cancelled; }
    // The agent's command line on the device: [loader --library-path folder] agent args.
    std::vector<std::string> agentCommand(const std::vector<std::string> &args) const;
    // The files that must be executable there: the agent, and the loader when used.
    std::vector<std::string> executables() const;

private:
    std::function<bool()> m_cancelled;
    std::string m_loader;
};

} // namespace quantscope::deploy
