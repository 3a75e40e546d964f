// SPDX-License-Identifier: MIT
// Workspace: a folder holding workspace.sqlite (runs, per-layer rows, snapshots, metric points;
// WAL mode) and artifacts/<run>/ (the quantized models). Nothing a run produced is lost.
#pragma once

#include "jobs/job_context.h"
#include "run_record.h"

#include <memory>
#include <string>
#include <vector>

struct sqlite3;

namespace quantscope::store {

// One Workspace object per thread: SQLite connections are not shared. Several objects (GUI and
// a job, or two processes) may open the same folder; WAL lets them read while one writes.
class Workspace
{
public:
    // Creates the folder and schema when missing. A run left "running" by a process that no
    // longer exists is marked "interrupted". Throws quantscope::Error when it cannot open.
    explicit Workspace(const std::string &dir);
    ~Workspace();
    Workspace(const Workspace &) = delete;
    Workspace &operator=(const Workspace &) = delete;

    const std::string &dir() const { return m_dir; }

    // Records a new run as running (with this process's id) and returns its id.
    int64_t beginRun(const RunRecord &run);
    // Stores the results and the config once more: a run may add to it while it runs (warnings).
    void finishRun(const RunRecord &run, const std::vector<LayerRecord> &layers);
    // status: "failed" or "cancelled"; the run keeps whatever it stored so far.
    void endRun(int64_t id, const std::string &status, const std::string &error);

    void addSnapshot(int64_t run, const jobs::LayerSnapshot &snapshot);
    void addMetric(int64_t run, const jobs::MetricPoint &point);

    std::vector<RunRecord> runs() const;
    // Throws quantscope::Error when the workspace has no such run.
    RunRecord run(int64_t id) const;
    std::vector<LayerRecord> layers(int64_t run) const;
    std::vector<jobs::LayerSnapshot> snapshots(int64_t run, int layer = -1) const;
    std::vector<jobs::MetricPoint> metrics(int64_t run) const;

    // artifacts/<run>/, created on demand.
    std::string artifactDir(int64_t run) const;

private:
    void exec(const std::string &sql) const;
    void markInterrupted();

    std::string m_dir;
    sqlite3 *m_db = nullptr;
};

} // namespace quantscope::store
