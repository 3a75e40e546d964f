// SPDX-License-Identifier: MIT
#include "saved_devices.h"

#include "store/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace quantscope::deploy {

namespace {

std::string fileIn(const std::string &workspaceDir)
{
    return (std::filesystem::path(workspaceDir) / "devices.json").string();
}

constexpr size_t kKept = 20;

} // namespace

std::vector<std::string> SavedDevices::load(const std::string &workspaceDir)
{
    std::ifstream in(fileIn(workspaceDir));
    const auto json = nlohmann::json::parse(in, nullptr, false);
    std::vector<std::string> names;
    if (json.is_object() && json.contains("recent") && json["recent"].is_array())
        for (const auto &n : json["recent"])
            if (n.is_string() && names.size() < kKept)
                names.push_back(n.get<std::string>());
    return names;
}

void SavedDevices::remember(const std::string &workspaceDir, const std::string &name)
{
    // Always offered, so never kept: this machine, qemu and the modelled cores.
    if (name == "local" || name == "emulated-arm64" || name.rfind("model:", 0) == 0 || name.empty())
        return;
    auto names = load(workspaceDir);
    names.erase(std::remove(names.begin(), names.end(), name), names.end());
    names.insert(names.begin(), name);
    names.resize(std::min(names.size(), kKept));
    store(workspaceDir, names);
}

void SavedDevices::forget(const std::string &workspaceDir, const std::string &name)
{
    auto names = load(workspaceDir);
    const auto kept = std::remove(names.begin(), names.end(), name);
    if (kept == names.end())
        return;
    names.erase(kept, names.end());
    store(workspaceDir, names);
}

void SavedDevices::store(const std::string &workspaceDir, const std::vector<std::string> &names)
{
    store::AtomicFile::writeText(fileIn(workspaceDir),
                                 nlohmann::json{{"recent", names}}.dump(1) + "\n");
}

} // namespace quantscope::deploy
