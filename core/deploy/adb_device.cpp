// SPDX-License-Identifier: MIT
#include "adb_device.h"

#include "error.h"

#include <sstream>

namespace quantscope::deploy {

namespace {

constexpr const char *kAdb = "adb";

void requireAdb()
{
    if (!Process::available(kAdb))
        throw Error("adb is not installed (Debian package adb)");
}

} // namespace

std::vector<AdbPhone> AdbDevice::parseDeviceList(const std::string &text)
{
    // "List of devices attached", then "SERIAL  STATE  key:value…" per device.
    std::vector<AdbPhone> phones;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        AdbPhone phone;
        if (!(words >> phone.serial >> phone.state) || phone.serial == "List" ||
            phone.serial[0] == '*')
            continue;
        std::string field;
        while (words >> field)
            if (field.rfind("model:", 0) == 0)
                phone.model = field.substr(6);
        phones.push_back(phone);
    }
    return phones;
}

std::vector<AdbPhone> AdbDevice::phones()
{
    requireAdb();
    const auto result = Process::run({kAdb, "devices", "-l"}, std::chrono::seconds(30));
    if (!result.ok())
        throw Error("adb devices failed: " +
                    (result.timedOut ? std::string("no answer in 30 s") : result.lastLine()));
    return parseDeviceList(result.out);
}

AdbDevice::AdbDevice(const std::string &target)
{
    requireAdb();
    const std::string serial = target.rfind("adb:", 0) == 0 ? target.substr(4) : "";
    const auto attached = phones();
    if (serial.empty()) {
        if (attached.empty())
            throw Error("adb: no phone is attached (adb devices lists none)");
        if (attached.size() > 1)
            throw Error("adb: " + std::to_string(attached.size()) +
                        " phones are attached; name one as adb:SERIAL");
        m_serial = attached[0].serial;
    } else {
        m_serial = serial;
    }
    for (const auto &p : attached)
        if (p.serial == m_serial) {
            if (p.state != "device")
                throw Error(name() + ": the phone is " + p.state +
                            (p.state == "unauthorized" ? " (accept the prompt on its screen)" : ""));
            return;
        }
    throw Error(name() + ": no such phone attached (adb devices)");
}

std::vector<std::string> AdbDevice::shellCommand(const std::string &command) const
{
    // adb shell hands its one argument to the phone's sh, as ssh does.
    return {kAdb, "-s", m_serial, "shell", command};
}

ProcessResult AdbDevice::send(const std::string &localPath, const std::string &remotePath)
{
    return Process::run({kAdb, "-s", m_serial, "push", localPath, remotePath},
                        std::chrono::minutes(5), cancelCheck());
}

std::string AdbDevice::transportFailure(const ProcessResult &result) const
{
    // adb's own errors ("adb: device 'X' not found", "error: closed") say "adb" or "error:".
    const std::string line = result.lastLine();
    if (result.exitCode != 0 && result.out.empty() &&
        (line.rfind("adb: ", 0) == 0 || line.rfind("error: ", 0) == 0))
        return line;
    return {};
}

} // namespace quantscope::deploy
