// SPDX-License-Identifier: MIT
// The run store: runs and their rows round-trip, failures keep their reason, and a run left
// running by a process that died reads as interrupted, never as finished; a run's bits label
// shows the average bits, not the request's, where its method allocated them.
#include "error.h"
#include "store/workspace.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/wait.h>
#include <unistd.h>

using namespace quantscope;

class TestWorkspace : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runRoundTrip();
    void failedRunKeepsReason();
    void deadProcessMeansInterrupted();
    void snapshotsAndMetrics();
    void unknownRun();
    void notAWorkspace();
    void bitsLabel_data();
    void bitsLabel();
};

static store::RunRecord sampleRun()
{
    store::RunRecord r;
    r.model = "/m.pt";
    r.data = "/data";
    r.method = "rtn";
    r.wbits = 4;
    r.abits = 8;
    r.configJson = R"({"clip":"mse"})";
    return r;
}

void TestWorkspace::runRoundTrip()
{
    QTemporaryDir dir;
    store::RunRecord r = sampleRun();
    {
        store::Workspace ws(dir.path().toStdString());
        r.id = ws.beginRun(r);
        QCOMPARE(ws.run(r.id).status, std::string("running"));
        r.top1 = 0.9;
        r.fpTop1 = 0.92;
        r.sizeBytes = 1234;
        r.bops = 5.5e6;
        r.artifact = ws.artifactDir(r.id) + "/model.pt";
        ws.finishRun(r, {{0, "conv1", "conv", 36, 8, 8, 40.5}, {1, "fc", "linear", 80, 4, 8, 20}});
    }
    store::Workspace reopened(dir.path().toStdString());
    const auto runs = reopened.runs();
    QCOMPARE(runs.size(), size_t(1));
    QCOMPARE(runs[0].status, std::string("finished"));
    QCOMPARE(runs[0].top1, 0.9);
    QCOMPARE(runs[0].sizeBytes, int64_t(1234));
    QCOMPARE(runs[0].bops, 5.5e6);
    QCOMPARE(runs[0].configJson, r.configJson);
    QVERIFY(!runs[0].created.empty());
    const auto layers = reopened.layers(r.id);
    QCOMPARE(layers.size(), size_t(2));
    QCOMPARE(layers[1].name, std::string("fc"));
    QCOMPARE(layers[0].sqnrDb, 40.5);
}

void TestWorkspace::failedRunKeepsReason()
{
    QTemporaryDir dir;
    store::Workspace ws(dir.path().toStdString());
    const auto id = ws.beginRun(sampleRun());
    ws.endRun(id, "cancelled", "cancelled by the user");
    QCOMPARE(ws.run(id).status, std::string("cancelled"));
    QCOMPARE(ws.run(id).error, std::string("cancelled by the user"));
}

void TestWorkspace::deadProcessMeansInterrupted()
{
    QTemporaryDir dir;
    const auto path = dir.path().toStdString();
    const pid_t child = fork();
    if (child == 0) {
        // A process that starts a run and dies without a word.
        store::Workspace ws(path);
        ws.beginRun(sampleRun());
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    store::Workspace ws(path);
    const auto runs = ws.runs();
    QCOMPARE(runs.size(), size_t(1));
    QCOMPARE(runs[0].status, std::string("interrupted"));
    // A run of this (living) process stays running.
    const auto mine = ws.beginRun(sampleRun());
    store::Workspace again(path);
    QCOMPARE(again.run(mine).status, std::string("running"));
}

void TestWorkspace::snapshotsAndMetrics()
{
    QTemporaryDir dir;
    store::Workspace ws(dir.path().toStdString());
    const auto id = ws.beginRun(sampleRun());
    jobs::LayerSnapshot s;
    s.layer = 2;
    s.layerName = "layer1.conv1";
    s.step = 7;
    s.stage = "rtn";
    s.binEdges = {0, 1, 2};
    s.counts = {5, 6};
    s.gridLevels = {0.5, 1.5};
    s.bits = 2;
    ws.addSnapshot(id, s); // without grid units, as runs stored before them
    s.layer = 3;
    s.levelCount = 4;
    s.unitEdges = {-1, 0, 1, 2, 3, 4};
    s.unitCounts = {0, 3, 4, 2, 1};
    s.levelCounts = {3, 4, 2, 1};
    s.clusteredShare = 0.35;
    s.outsideCount = 2;
    s.channelLow = {-0.5, -0.25};
    s.channelStep = {0.25, 0.125};
    s.channelBins = 2;
    s.channelCounts = {1, 2, 3, 4};
    ws.addSnapshot(id, s);
    ws.addMetric(id, {"loss", 1, 0.25});
    const auto back = ws.snapshots(id, 2);
    QCOMPARE(back.size(), size_t(1));
    QCOMPARE(back[0].layerName, s.layerName);
    QCOMPARE(back[0].counts, s.counts);
    QCOMPARE(back[0].gridLevels, s.gridLevels);
    QCOMPARE(back[0].step, 7);
    QVERIFY(!back[0].hasGridUnits());
    QCOMPARE(back[0].clusteredShare, -1.0);
    const auto units = ws.snapshots(id, 3).at(0);
    QVERIFY(units.hasGridUnits());
    QCOMPARE(units.levelCount, 4);
    QCOMPARE(units.unitEdges, s.unitEdges);
    QCOMPARE(units.unitCounts, s.unitCounts);
    QCOMPARE(units.levelCounts, s.levelCounts);
    QCOMPARE(units.clusteredShare, 0.35);
    QCOMPARE(units.outsideCount, int64_t(2));
    QCOMPARE(units.channelLow, s.channelLow);
    QCOMPARE(units.channelStep, s.channelStep);
    QCOMPARE(units.channelBins, 2);
    QCOMPARE(units.channelCounts, s.channelCounts);
    QCOMPARE(ws.snapshots(id).size(), size_t(2));
    QCOMPARE(ws.metrics(id).at(0).value, 0.25);
}

void TestWorkspace::unknownRun()
{
    QTemporaryDir dir;
    store::Workspace ws(dir.path().toStdString());
    QVERIFY_THROWS_EXCEPTION(Error, ws.run(99));
}

void TestWorkspace::notAWorkspace()
{
    QTemporaryDir dir;
    QFile f(dir.filePath(QStringLiteral("workspace.sqlite")));
    f.open(QIODevice::WriteOnly);
    f.write(QByteArray(4096, 'x'));
    f.close();
    try {
        store::Workspace ws(dir.path().toStdString());
        QFAIL("opened garbage");
    } catch (const Error &e) {
        QVERIFY2(QString::fromStdString(e.what()).contains(QLatin1String("workspace")), e.what());
    }
}

void TestWorkspace::bitsLabel_data()
{
    QTest::addColumn<int>("abits");
    QTest::addColumn<QString>("config");
    QTest::addColumn<double>("avgWbits");
    QTest::addColumn<QString>("label");
    QTest::newRow("uniform") << 4 << R"({"seed": "0"})" << 4.041 << "W4A4";
    QTest::newRow("float activations") << 32 << "" << 0.0 << "W4A32";
    QTest::newRow("allocated, finished") << 4 << R"({"allocated_bits": 2.5})" << 2.556 << "W2.56A4";
    QTest::newRow("allocated, running") << 32 << R"({"allocated_bits": 2.5})" << 0.0 << "W≤2.5A32";
    QTest::newRow("unreadable config") << 4 << "{" << 2.556 << "W4A4";
}

void TestWorkspace::bitsLabel()
{
    QFETCH(int, abits);
    QFETCH(QString, config);
    QFETCH(double, avgWbits);
    QFETCH(QString, label);
    auto r = sampleRun();
    r.abits = abits;
    r.configJson = config.toStdString();
    r.avgWbits = avgWbits;
    QCOMPARE(QString::fromStdString(r.bitsLabel()), label);
    QCOMPARE(QString::fromStdString(store::RunRecord::bitsLabel(3, 4, 2.5)), QString("W≤2.5A4"));
}

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
