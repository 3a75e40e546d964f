// SPDX-License-Identifier: MIT
// Workspace on hostile records. Either the input is a whole workspace.sqlite (a damaged or
// foreign file in a folder the user opens), or it is the stored text of a good workspace's run
// — its settings JSON and a snapshot's JSON, as another program or a disk error could leave
// them. Reading every run, layer, snapshot and metric may fail only with a quantscope::Error.
#include "error.h"
#include "fuzz_input.h"
#include "store/workspace.h"

#include <sqlite3.h>

using namespace quantscope;

namespace {

void readEverything(const store::Workspace &workspace)
{
    int shown = 0;
    for (const auto &run : workspace.runs()) {
        if (++shown > 4)
            break;
        workspace.run(run.id);
        workspace.layers(run.id);
        workspace.snapshots(run.id);
        workspace.metrics(run.id);
    }
}

void overwrite(const std::filesystem::path &database, const std::string &config,
               const std::string &snapshot)
{
    sqlite3 *db = nullptr;
    if (sqlite3_open(database.c_str(), &db) != SQLITE_OK)
        __builtin_trap();
    const std::pair<const char *, const std::string *> updates[] = {
        {"UPDATE runs SET config = ?", &config}, {"UPDATE snapshots SET data = ?", &snapshot}};
    for (const auto &[sql, text] : updates) {
        sqlite3_stmt *stmt = nullptr;
        sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
        sqlite3_bind_text(stmt, 1, text->data(), int(text->size()), SQLITE_TRANSIENT);
        sqlite3_step(stmt);
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::FuzzInput input(data, size);
    const auto dir = fuzz::scratchFolder("workspace");
    const bool wholeFile = input.takeByte() & 1;
    try {
        if (wholeFile) {
            fuzz::writeFile(dir / "workspace.sqlite", input.rest());
        } else {
            store::Workspace workspace(dir.string());
            store::RunRecord run;
            run.method = "rtn";
            run.configJson = "{}";
            const auto id = workspace.beginRun(run);
            jobs::LayerSnapshot snapshot;
            snapshot.layerName = "conv1";
            snapshot.counts = {1, 2};
            snapshot.binEdges = {0, 1, 2};
            workspace.addSnapshot(id, snapshot);
            workspace.addMetric(id, {"loss", 1, 0.5});
            workspace.endRun(id, "failed", "fuzz");
            const auto config = input.takePart();
            overwrite(dir / "workspace.sqlite", config, input.rest());
        }
        readEverything(store::Workspace(dir.string()));
    } catch (const Error &) {
    }
    return 0;
}
