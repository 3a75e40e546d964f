// SPDX-License-Identifier: MIT
// DeploymentRecords: the deploy reports stored beside a run (artifacts/<run>/deployments/*.json,
// written by DeployJob), read back as plain figures for the Compare view and the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace quantscope::deploy {

struct DeploymentSummary
{
    std::string device;
    bool emulated = false;
    std::string created;           // UTC stamp of the report
    double fp32 = 0, int8 = 0, lowbit = 0; // median seconds; 0 where not timed
    double agreement = -1;         // same-class share against the simulation; -1 not compared
    bool modelled = false;         // predicted for a modelled core, not measured
};

class DeploymentRecords
{
public:
    // Every report of the run, oldest first; damaged files are skipped.
    static std::vector<DeploymentSummary> forRun(const std::string &workspaceDir, int64_t run);
    // The one to show for a run: the newest on a real device, else the newest modelled one,
    // else the newest emulated one.
    // False where the run has none.
    static bool latest(const std::vector<DeploymentSummary> &all, DeploymentSummary *out);
    // The newest timed report of each device, in the order the devices first appear.
    static std::vector<DeploymentSummary> newestPerDevice(const std::vector<DeploymentSummary> &all);
};

} // namespace quantscope::deploy
