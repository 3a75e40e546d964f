// SPDX-License-Identifier: MIT
#include "deployment_records.h"

#include "json_field.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace quantscope::deploy {

namespace fs = std::filesystem;

std::vector<DeploymentSummary> DeploymentRecords::forRun(const std::string &workspaceDir,
                                                        int64_t run)
{
    const fs::path dir = fs::path(workspaceDir) / "artifacts" / std::to_string(run) / "deployments";
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".json")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end()); // names start with the UTC stamp
    std::vector<DeploymentSummary> out;
    for (const auto &file : files) {
        std::ifstream in(file);
        const auto json = nlohmann::json::parse(in, nullptr, false);
        if (!json.is_object())
            continue;
        DeploymentSummary s;
        s.device = jsonField(json, "device", "");
        s.emulated = jsonField(json, "emulated", false);
        s.modelled = jsonField(json, "modelled", false);
        s.created = jsonField(json, "created", "");
        const auto bench = jsonField(json, "bench", nlohmann::json::object());
        for (const auto &b : jsonField(bench, "backends", nlohmann::json::array())) {
            const double median =
                jsonField(jsonField(b, "latency_s", nlohmann::json::object()), "median", 0.0);
            const std::string name = jsonField(b, "backend", "");
            (name == "fp32" ? s.fp32 : name == "int8" ? s.int8 : s.lowbit) = median;
        }
        const auto agreement = jsonField(json, "agreement", nlohmann::json::object());
        if (jsonField(agreement, "images", 0) > 0)
            s.agreement = jsonField(agreement, "same_class", 0.0);
        out.push_back(s);
    }
    return out;
}

bool DeploymentRecords::latest(const std::vector<DeploymentSummary> &all, DeploymentSummary *out)
{
    // A measurement first, then a prediction, and qemu's timing only where there is nothing else.
    const auto rank = [](const DeploymentSummary &s) {
        return s.emulated ? 2 : s.modelled ? 1 : 0;
    };
    for (int wanted = 0; wanted < 3; ++wanted)
        for (auto it = all.rbegin(); it != all.rend(); ++it)
            if (rank(*it) == wanted && it->lowbit > 0) {
                *out = *it;
                return true;
            }
    return false;
}

std::vector<DeploymentSummary>
DeploymentRecords::newestPerDevice(const std::vector<DeploymentSummary> &all)
{
    std::vector<DeploymentSummary> out;
    for (const auto &s : all) { // oldest first: a later report replaces an earlier one
        if (s.lowbit <= 0)
            continue;
        const auto same = std::find_if(out.begin(), out.end(),
                                       [&](const auto &o) { return o.device == s.device; });
        if (same == out.end())
            out.push_back(s);
        else
            *same = s;
    }
    return out;
}

} // namespace quantscope::deploy
