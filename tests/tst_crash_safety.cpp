// SPDX-License-Identifier: MIT
// Nothing is lost when a quantization dies: quantscope-cli runs killed with SIGKILL at random
// moments, over and over, in one workspace — which still opens, keeps the runs finished before
// exactly as they were, shows every killed run as interrupted (or finished, when it got there
// first), names no half-written artifact and keeps no temporary once opened again. Two
// processes writing one workspace at once both keep everything; a read-only or full disk is
// a one-line reason, not a crash.
#include "deploy/run_grids.h"
#include "model/quant_graph.h"
#include "store/workspace.h"
#include "synthetic_dataset.h"

#include <QDirIterator>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <map>
#include <random>

using quantscope::store::Workspace;

class TestCrashSafety : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void killedRunsLoseNothing();
    void twoWritersAtOnceKeepEverything();
    void fullOrReadOnlyDiskIsAClearMessage_data();
    void fullOrReadOnlyDiskIsAClearMessage();

private:
    // A short DSQ run: a second or two, long enough to be killed in every phase (start-up,
    // calibration, training steps, evaluation, saving).
    QStringList quantizeArgs(const QString &workspace) const
    {
        return {QStringLiteral("quantize"), QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_traced.pt"),
                QStringLiteral("--data"), m_data, QStringLiteral("--method"), QStringLiteral("dsq"),
                QStringLiteral("--wbits"), QStringLiteral("2"), QStringLiteral("--abits"),
                QStringLiteral("4"), QStringLiteral("--set"), QStringLiteral("epochs=2"),
                QStringLiteral("--set"), QStringLiteral("calib_images=16"),
                QStringLiteral("--set"), QStringLiteral("snapshot_every=2"),
                QStringLiteral("--workspace"), workspace, QStringLiteral("--json")};
    }
    // Every run's status; fails the test where a finished run's artifact is missing or does
    // not load, or where a temporary is left.
    void checkWorkspace(const QString &dir, std::map<QString, int> *statuses) const;

    QTemporaryDir m_dir;
    QString m_data, m_workspace;
    quantscope::store::RunRecord m_finished; // the run finished before any kill
    size_t m_finishedLayers = 0, m_finishedSnapshots = 0;
};

void TestCrashSafety::initTestCase()
{
    m_data = m_dir.filePath(QStringLiteral("data"));
    quantscope::testing::writeIdx(m_data, 96, 32, 8, false);
    m_workspace = m_dir.filePath(QStringLiteral("ws"));
    QProcess p;
    p.start(QStringLiteral(QUANTSCOPE_CLI), quantizeArgs(m_workspace));
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitCode(), 0);
    const Workspace ws(m_workspace.toStdString());
    QCOMPARE(ws.runs().size(), size_t(1));
    m_finished = ws.runs().front();
    QCOMPARE(QString::fromStdString(m_finished.status), QStringLiteral("finished"));
    m_finishedLayers = ws.layers(m_finished.id).size();
    m_finishedSnapshots = ws.snapshots(m_finished.id).size();
    QVERIFY(m_finishedLayers > 0 && m_finishedSnapshots > 0);
}

void TestCrashSafety::checkWorkspace(const QString &dir, std::map<QString, int> *statuses) const
{
    const Workspace ws(dir.toStdString());
    for (const auto &run : ws.runs()) {
        const auto status = QString::fromStdString(run.status);
        ++(*statuses)[status];
        QVERIFY2(status == QLatin1String("finished") || status == QLatin1String("interrupted"),
                 qPrintable(QStringLiteral("run %1 is %2").arg(run.id).arg(status)));
        if (status == QLatin1String("finished")) {
            // Loads whole: a half-written TorchScript zip or grids file would throw here.
            QVERIFY(quantscope::model::QuantGraph(run.artifact).layers().size() == m_finishedLayers);
            QCOMPARE(quantscope::deploy::RunGrids::load(
                         quantscope::deploy::RunGrids::pathBeside(run.artifact)).size(),
                     m_finishedLayers);
        }
    }
    QDirIterator files(dir + QStringLiteral("/artifacts"), QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        const QString file = files.next();
        QVERIFY2(!file.contains(QLatin1String(".partial-")), qPrintable(file + " was left"));
    }
    // The run finished before every kill, exactly as it was.
    const auto before = ws.run(m_finished.id);
    QCOMPARE(before.status, m_finished.status);
    QCOMPARE(before.top1, m_finished.top1);
    QCOMPARE(before.artifact, m_finished.artifact);
    QCOMPARE(ws.layers(m_finished.id).size(), m_finishedLayers);
    QCOMPARE(ws.snapshots(m_finished.id).size(), m_finishedSnapshots);
}

void TestCrashSafety::killedRunsLoseNothing()
{
    // Start-up (loading LibTorch, the model and the data) records nothing; the kills fall
    // between the moment the run is recorded and the time a whole run takes from there.
    auto runCount = [&] { return Workspace(m_workspace.toStdString()).runs().size(); };
    auto startAndWaitForItsRun = [&](QProcess &p) {
        const size_t before = runCount();
        p.start(QStringLiteral(QUANTSCOPE_CLI), quantizeArgs(m_workspace));
        return QTest::qWaitFor([&] { return runCount() > before || p.state() == QProcess::NotRunning; },
                               60000);
    };
    QElapsedTimer clock;
    int runMs = 0;
    {
        QProcess p;
        QVERIFY(startAndWaitForItsRun(p));
        clock.start();
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        runMs = int(clock.elapsed());
    }
    std::mt19937 random(20261201);
    // At least 8 kills, and more (up to 16) until 4 of them caught a run before its end: on a
    // loaded machine a run's time varies, and a kill that comes after the end tests less. So
    // the kills fall within the shortest run seen so far.
    std::map<QString, int> statuses;
    for (int kill = 0; kill < 16 && (kill < 8 || statuses[QStringLiteral("interrupted")] < 4);
         ++kill) {
        const int delay = std::uniform_int_distribution<int>(0, runMs)(random);
        QProcess p;
        QVERIFY(startAndWaitForItsRun(p));
        clock.start();
        if (p.waitForFinished(delay)) {
            runMs = std::min(runMs, int(clock.elapsed()));
        } else {
            ::kill(pid_t(p.processId()), SIGKILL);
            QVERIFY(p.waitForFinished(10000));
        }
        statuses.clear();
        checkWorkspace(m_workspace, &statuses);
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("after a kill at %1 ms of %2").arg(delay).arg(runMs)));
    }
    qInfo("runs: %d finished, %d interrupted (a run takes %d ms once recorded)",
          statuses[QStringLiteral("finished")], statuses[QStringLiteral("interrupted")], runMs);
    QVERIFY(statuses[QStringLiteral("interrupted")] >= 4);
}

void TestCrashSafety::twoWritersAtOnceKeepEverything()
{
    // A GUI and a CLI on one workspace are two processes with their own connections: both
    // store every snapshot and metric and finish.
    const QString dir = m_dir.filePath(QStringLiteral("shared"));
    QProcess first, second;
    first.start(QStringLiteral(QUANTSCOPE_CLI), quantizeArgs(dir));
    second.start(QStringLiteral(QUANTSCOPE_CLI), quantizeArgs(dir));
    QVERIFY(first.waitForFinished(120000) && second.waitForFinished(120000));
    QVERIFY2(first.exitCode() == 0, first.readAllStandardError().constData());
    QVERIFY2(second.exitCode() == 0, second.readAllStandardError().constData());
    const Workspace ws(dir.toStdString());
    const auto runs = ws.runs();
    QCOMPARE(runs.size(), size_t(2));
    for (const auto &run : runs) {
        QCOMPARE(QString::fromStdString(run.status), QStringLiteral("finished"));
        QCOMPARE(ws.layers(run.id).size(), m_finishedLayers);
        QCOMPARE(ws.snapshots(run.id).size(), m_finishedSnapshots);
        QVERIFY(!ws.metrics(run.id).empty());
    }
    QVERIFY(runs[0].artifact != runs[1].artifact);
}

void TestCrashSafety::fullOrReadOnlyDiskIsAClearMessage_data()
{
    QTest::addColumn<QString>("prepare");
    QTest::addColumn<QString>("expected");
    // Room for the database and some snapshots, not for everything a run stores.
    QTest::newRow("full") << QStringLiteral("mount -t tmpfs -o size=96k tmpfs \"$0\" || exit 77")
                          << QStringLiteral("full");
    // A workspace with runs in it, on a disk that became read-only.
    QTest::newRow("read-only")
        << QStringLiteral("mount -t tmpfs tmpfs \"$0\" || exit 77; cp -r \"$WS\" \"$0/ws\" && "
                          "mount -o remount,ro \"$0\" || exit 77")
        << QStringLiteral("read-only");
}

void TestCrashSafety::fullOrReadOnlyDiskIsAClearMessage()
{
    QFETCH(QString, prepare);
    QFETCH(QString, expected);
    // A small or read-only file system of its own, in a mount namespace of the CLI alone.
    const QString mountPoint = m_dir.filePath(QStringLiteral("disk-") + QTest::currentDataTag());
    QDir().mkpath(mountPoint);
    QStringList args{QStringLiteral("-m"), QStringLiteral("sh"), QStringLiteral("-c"),
                     prepare + QStringLiteral("; exec \"$@\""), mountPoint,
                     QStringLiteral(QUANTSCOPE_CLI)};
    args += quantizeArgs(mountPoint + QStringLiteral("/ws"));
    QProcess p;
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("WS"), m_workspace);
    p.setProcessEnvironment(environment);
    p.start(QStringLiteral("unshare"), args);
    QVERIFY(p.waitForFinished(120000));
    if (p.exitCode() == 77 || p.error() == QProcess::FailedToStart)
        QSKIP("needs a mount namespace (unshare -m as root) for a small or read-only disk");
    // Above the reason, stderr holds the progress lines.
    const QString error = QString::fromUtf8(p.readAllStandardError()).trimmed().split(QLatin1Char('\n')).last();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit); // no crash
    QVERIFY2(p.exitCode() == 2, qPrintable(error));
    QVERIFY2(error.startsWith(QLatin1String("quantscope-cli quantize: ")), qPrintable(error));
    QVERIFY2(error.contains(expected, Qt::CaseInsensitive), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crash_safety.moc"
