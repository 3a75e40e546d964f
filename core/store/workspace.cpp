// SPDX-License-Identifier: MIT
#include "workspace.h"

#include "atomic_file.h"
#include "error.h"
#include "json_field.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace quantscope::store {

namespace {

constexpr int kBusyMs = 5000; // how long a workspace waits for another program's lock
constexpr int kRetryMs = 20;

const char *kSchema = R"(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT, model TEXT, data TEXT, method TEXT,
  wbits INTEGER, abits INTEGER, config TEXT, status TEXT, error TEXT, pid INTEGER,
  fp_top1 REAL, top1 REAL, top5 REAL, avg_wbits REAL, size_bytes INTEGER, fp_size_bytes INTEGER,
  seconds REAL, artifact TEXT, bops REAL);
CREATE TABLE IF NOT EXISTS layers (
  run_id INTEGER, idx INTEGER, name TEXT, kind TEXT, params INTEGER, wbits REAL, abits REAL,
  sqnr_db REAL, PRIMARY KEY (run_id, idx));
CREATE TABLE IF NOT EXISTS snapshots (
  run_id INTEGER, layer INTEGER, step INTEGER, stage TEXT, data TEXT);
CREATE INDEX IF NOT EXISTS snapshots_run ON snapshots (run_id, layer);
CREATE TABLE IF NOT EXISTS metrics (run_id INTEGER, series TEXT, step REAL, value REAL);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics (run_id);
)";

const char *kRunColumns = "id, created, model, data, method, wbits, abits, config, status, "
                          "error, fp_top1, top1, top5, avg_wbits, size_bytes, fp_size_bytes, "
                          "seconds, artifact, bops";

// A prepared statement that finalises itself; bind() takes 1-based positions in order.
class Statement
{
public:
    Statement(sqlite3 *db, const char *sql) : m_db(db)
    {
        if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
            throw Error(std::string("workspace: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(m_stmt); }

    Statement &bind(int64_t v) { sqlite3_bind_int64(m_stmt, ++m_next, v); return *this; }
    Statement &bind(int v) { return bind(static_cast<int64_t>(v)); }
    Statement &bind(double v) { sqlite3_bind_double(m_stmt, ++m_next, v); return *this; }
    Statement &bind(const std::string &v)
    {
        sqlite3_bind_text(m_stmt, ++m_next, v.c_str(), static_cast<int>(v.size()),
                          SQLITE_TRANSIENT);
        return *this;
    }

    bool step()
    {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW)
            return true;
        if (rc != SQLITE_DONE)
            throw Error(std::string("workspace: ") + sqlite3_errmsg(m_db));
        return false;
    }

    int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }
    double real(int col) const { return sqlite3_column_double(m_stmt, col); }
    std::string text(int col) const
    {
        const auto *t = sqlite3_column_text(m_stmt, col);
        return t ? reinterpret_cast<const char *>(t) : "";
    }

private:
    sqlite3 *m_db;
    sqlite3_stmt *m_stmt = nullptr;
    int m_next = 0;
};

RunRecord readRun(const Statement &s)
{
    RunRecord r;
    r.id = s.integer(0);
    r.created = s.text(1);
    r.model = s.text(2);
    r.data = s.text(3);
    r.method = s.text(4);
    r.wbits = static_cast<int>(s.integer(5));
    r.abits = static_cast<int>(s.integer(6));
    r.configJson = s.text(7);
    r.status = s.text(8);
    r.error = s.text(9);
    r.fpTop1 = s.real(10);
    r.top1 = s.real(11);
    r.top5 = s.real(12);
    r.avgWbits = s.real(13);
    r.sizeBytes = s.integer(14);
    r.fpSizeBytes = s.integer(15);
    r.seconds = s.real(16);
    r.artifact = s.text(17);
    r.bops = s.real(18);
    return r;
}

std::string nowUtc()
{
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

bool processAlive(int64_t pid)
{
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

} // namespace

Workspace::Workspace(const std::string &dir) : m_dir(dir)
{
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "artifacts", ec);
    if (ec)
        throw Error(dir + ": cannot create the workspace folder: " + ec.message());
    // SQLite would open a read-only database and fail at its first write with a message about
    // files it could not open; say what is wrong instead.
    if (::access(dir.c_str(), W_OK) != 0)
        throw Error(dir + ": the workspace folder cannot be written (" + std::strerror(errno) +
                    "); a workspace stores runs as they go, so copy it to a writable folder");
    const auto file = (fs::path(dir) / "workspace.sqlite").string();
    if (sqlite3_open(file.c_str(), &m_db) != SQLITE_OK) {
        const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        throw Error(file + ": cannot open: " + why);
    }
    sqlite3_busy_timeout(m_db, kBusyMs);
    // Two programs setting up one new workspace at once (tst_crash_safety's two writers, a GUI
    // and a CLI) can each hold a read lock while asking for the write lock. SQLite then answers
    // "database is locked" at once instead of waiting, to break the deadlock; every step below
    // can be repeated, so the setup is tried again until the busy timeout has passed in all
    // (each try may itself wait up to that long in SQLite's busy handler).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyMs);
    for (;;) {
        try {
            exec("PRAGMA journal_mode=WAL;");
            // In WAL mode NORMAL still survives a crash of the program (only a power loss can
            // drop the last commits) and spares an fsync per snapshot or metric point.
            exec("PRAGMA synchronous=NORMAL;");
            exec(kSchema);
            markInterrupted();
            return;
        } catch (const Error &e) {
            const int code = sqlite3_errcode(m_db) & 0xff;
            if ((code == SQLITE_BUSY || code == SQLITE_LOCKED) &&
                std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(kRetryMs));
                continue;
            }
            sqlite3_close(m_db);
            throw Error(file + ": not a QuantScope workspace (" + e.what() + ")");
        }
    }
}

Workspace::~Workspace()
{
    sqlite3_close(m_db);
}

void Workspace::exec(const std::string &sql) const
{
    char *message = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error("workspace: " + why);
    }
}

void Workspace::markInterrupted()
{
    std::vector<int64_t> dead;
    {
        Statement s(m_db, "SELECT id, pid FROM runs WHERE status = 'running'");
        while (s.step())
            if (!processAlive(s.integer(1)))
                dead.push_back(s.integer(0));
    }
    for (int64_t id : dead) {
        endRun(id, "interrupted", "the program stopped while this run was going");
        // What the run was writing when it stopped: temporaries, never artifacts.
        AtomicFile::removeTemporaries(
            (fs::path(m_dir) / "artifacts" / std::to_string(id)).string());
    }
}

int64_t Workspace::beginRun(const RunRecord &run)
{
    Statement s(m_db, "INSERT INTO runs (created, model, data, method, wbits, abits, config, "
                      "status, pid) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)");
    s.bind(nowUtc()).bind(run.model).bind(run.data).bind(run.method).bind(run.wbits)
        .bind(run.abits).bind(run.configJson).bind(static_cast<int64_t>(::getpid()));
    s.step();
    return sqlite3_last_insert_rowid(m_db);
}

void Workspace::finishRun(const RunRecord &run, const std::vector<LayerRecord> &layers)
{
    exec("BEGIN");
    try {
        Statement s(m_db, "UPDATE runs SET status = 'finished', fp_top1 = ?, top1 = ?, top5 = ?, "
                          "avg_wbits = ?, size_bytes = ?, fp_size_bytes = ?, seconds = ?, "
                          "artifact = ?, bops = ?, config = ?, error = ? WHERE id = ?");
        s.bind(run.fpTop1).bind(run.top1).bind(run.top5).bind(run.avgWbits).bind(run.sizeBytes)
            .bind(run.fpSizeBytes).bind(run.seconds).bind(run.artifact).bind(run.bops)
            .bind(run.configJson).bind(run.error).bind(run.id);
        s.step();
        for (const auto &l : layers) {
            Statement row(m_db, "INSERT OR REPLACE INTO layers VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            row.bind(run.id).bind(l.index).bind(l.name).bind(l.kind).bind(l.params).bind(l.wbits)
                .bind(l.abits).bind(l.sqnrDb);
            row.step();
        }
        exec("COMMIT");
    } catch (...) {
        exec("ROLLBACK");
        throw;
    }
}

void Workspace::endRun(int64_t id, const std::string &status, const std::string &error)
{
    Statement s(m_db, "UPDATE runs SET status = ?, error = ? WHERE id = ?");
    s.bind(status).bind(error).bind(id);
    s.step();
}

void Workspace::addSnapshot(int64_t run, const jobs::LayerSnapshot &snap)
{
    nlohmann::json data = {{"name", snap.layerName}, {"edges", snap.binEdges},
                           {"counts", snap.counts},  {"grid", snap.gridLevels},
                           {"bits", snap.bits}, {"note", snap.note}};
    if (snap.hasGridUnits()) {
        // Counts are whole numbers: stored as such, they take a third of the text.
        auto whole = [](const std::vector<double> &v) {
            return std::vector<int64_t>(v.begin(), v.end());
        };
        data["units"] = {{"levels", snap.levelCount},
                         {"edges", snap.unitEdges},
                         {"counts", whole(snap.unitCounts)},
                         {"level_counts", whole(snap.levelCounts)},
                         {"clustered", snap.clusteredShare},
                         {"outside", snap.outsideCount},
                         {"channel_low", snap.channelLow},
                         {"channel_step", snap.channelStep},
                         {"channel_bins", snap.channelBins},
                         {"channel_counts", whole(snap.channelCounts)}};
    }
    if (snap.hasGroups()) {
        // Scales to float precision: a third shorter as text, and all a plot can show.
        data["groups"] = {{"rows", snap.groupRows},
                          {"columns", snap.groupColumns},
                          {"bases", snap.groupMaxBases},
                          {"scales", std::vector<float>(snap.groupScales.begin(),
                                                        snap.groupScales.end())}};
    }
    Statement s(m_db, "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?)");
    s.bind(run).bind(snap.layer).bind(snap.step).bind(snap.stage).bind(data.dump());
    s.step();
}

void Workspace::addMetric(int64_t run, const jobs::MetricPoint &point)
{
    Statement s(m_db, "INSERT INTO metrics VALUES (?, ?, ?, ?)");
    s.bind(run).bind(point.series).bind(point.step).bind(point.value);
    s.step();
}

std::vector<RunRecord> Workspace::runs() const
{
    const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id";
    Statement s(m_db, sql.c_str());
    std::vector<RunRecord> out;
    while (s.step())
        out.push_back(readRun(s));
    return out;
}

RunRecord Workspace::run(int64_t id) const
{
    const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?";
    Statement s(m_db, sql.c_str());
    s.bind(id);
    if (!s.step())
        throw Error(m_dir + ": no run " + std::to_string(id));
    return readRun(s);
}

std::vector<LayerRecord> Workspace::layers(int64_t run) const
{
    Statement s(m_db, "SELECT idx, name, kind, params, wbits, abits, sqnr_db FROM layers "
                      "WHERE run_id = ? ORDER BY idx");
    s.bind(run);
    std::vector<LayerRecord> out;
    while (s.step())
        out.push_back({static_cast<int>(s.integer(0)), s.text(1), s.text(2), s.integer(3),
                       s.real(4), s.real(5), s.real(6)});
    return out;
}

std::vector<jobs::LayerSnapshot> Workspace::snapshots(int64_t run, int layer) const
{
    Statement s(m_db, "SELECT layer, step, stage, data FROM snapshots WHERE run_id = ? AND "
                      "(? < 0 OR layer = ?) ORDER BY rowid");
    s.bind(run).bind(layer).bind(layer);
    std::vector<jobs::LayerSnapshot> out;
    while (s.step()) {
        jobs::LayerSnapshot snap;
        snap.layer = static_cast<int>(s.integer(0));
        snap.step = static_cast<int>(s.integer(1));
        snap.stage = s.text(2);
        const auto data = nlohmann::json::parse(s.text(3), nullptr, false);
        using Values = std::vector<double>;
        snap.layerName = jsonField(data, "name", std::string());
        snap.binEdges = jsonField(data, "edges", Values{});
        snap.counts = jsonField(data, "counts", Values{});
        snap.gridLevels = jsonField(data, "grid", Values{});
        snap.bits = jsonField(data, "bits", 0.0);
        snap.note = jsonField(data, "note", std::string());
        const auto units = jsonField(data, "units", nlohmann::json::object());
        snap.levelCount = jsonField(units, "levels", 0);
        snap.unitEdges = jsonField(units, "edges", Values{});
        snap.unitCounts = jsonField(units, "counts", Values{});
        snap.levelCounts = jsonField(units, "level_counts", Values{});
        snap.clusteredShare = jsonField(units, "clustered", -1.0);
        snap.outsideCount = jsonField(units, "outside", int64_t(0));
        snap.channelLow = jsonField(units, "channel_low", Values{});
        snap.channelStep = jsonField(units, "channel_step", Values{});
        snap.channelBins = jsonField(units, "channel_bins", 0);
        snap.channelCounts = jsonField(units, "channel_counts", Values{});
        const auto groups = jsonField(data, "groups", nlohmann::json::object());
        snap.groupRows = jsonField(groups, "rows", 0);
        snap.groupColumns = jsonField(groups, "columns", 0);
        snap.groupMaxBases = jsonField(groups, "bases", 0);
        snap.groupScales = jsonField(groups, "scales", Values{});
        out.push_back(std::move(snap));
    }
    return out;
}

std::vector<jobs::MetricPoint> Workspace::metrics(int64_t run) const
{
    Statement s(m_db, "SELECT series, step, value FROM metrics WHERE run_id = ? ORDER BY rowid");
    s.bind(run);
    std::vector<jobs::MetricPoint> out;
    while (s.step())
        out.push_back({s.text(0), s.real(1), s.real(2)});
    return out;
}

std::string Workspace::artifactDir(int64_t run) const
{
    const auto dir = fs::path(m_dir) / "artifacts" / std::to_string(run);
    fs::create_directories(dir);
    return dir.string();
}

} // namespace quantscope::store
