// SPDX-License-Identifier: MIT
// SavedDevices: the devices a workspace has deployed to (SSH hosts, phones), kept in
// devices.json in the workspace folder so the Deploy view offers them again — with the
// workspace, not per machine, as a workspace's runs and reports are.
#pragma once

#include <string>
#include <vector>

namespace quantscope::deploy {

class SavedDevices
{
public:
    // The names, most recently used first; none for a missing or unreadable file.
    static std::vector<std::string> load(const std::string &workspaceDir);
    // Puts `name` first (once); local and emulated-arm64 are always offered, so not kept.
    static void remember(const std::string &workspaceDir, const std::string &name);
    // Takes `name` off the list (the Devices panel's Remove).
    static void forget(const std::string &workspaceDir, const std::string &name);

private:
    static void store(const std::string &workspaceDir, const std::vector<std::string> &names);
};

} // namespace quantscope::deploy
