// SPDX-License-Identifier: MIT
// ALQ end to end on a tiny model: a short run to 2 average bits beats round-to-nearest at
// 2 bits; pruning lands on a fractional target below one bit, reports it per layer and per epoch,
// and its snapshots carry every group's scales; the bases, scales, masks and moments are stored
// beside the run's model and exported as the packed format's binary bases; activations are
// float unless asked; a cancelled run says so and keeps what it reported.
#include "deploy/qsm_exporter.h"
#include "error.h"
#include "jobs/quantize_job.h"
#include "pretrained_fixture.h"
#include "store/method_state.h"
#include "store/workspace.h"

#include <QTemporaryDir>
#include <QTest>


using namespace quantscope;

class TestAlqMethod : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void twoBitsBeatRtn();
    void prunesBelowOneBitAndStoresItsState();
    void exportsBinaryBases();
    void activationBitsAreOptional();
    void cancelStopsTheRun();

private:
    jobs::QuantizeRequest request(const std::string &method, int wbits) const;

    QTemporaryDir m_dir;
    std::string m_model, m_data;
};

void TestAlqMethod::initTestCase()
{
    const testing::PretrainedFixture fixture(m_dir);
    m_model = fixture.modelPath;
    m_data = fixture.dataDir;
}

jobs::QuantizeRequest TestAlqMethod::request(const std::string &method, int wbits) const
{
    jobs::QuantizeRequest r;
    r.modelPath = m_model;
    r.dataPath = m_data;
    r.method = method;
    r.wbits = wbits;
    r.abits = 32;
    if (method == "alq")
        r.settings = {{"batch_size", "32"}, {"lr", "0.002"}, {"max_bases", "4"},
                      {"rounds", "2"}, {"post_epochs", "3"}};
    else
        r.settings = {{"first_last_bits", "0"}}; // ALQ quantizes every layer too
    r.inputs = {{0.3f}, {0.3f}};
    r.workspaceDir = m_dir.filePath(QStringLiteral("ws")).toStdString();
    return r;
}

void TestAlqMethod::twoBitsBeatRtn()
{
    jobs::QuantizeJob rtn(request("rtn", 2));
    jobs::JobContext rtnContext;
    rtn.run(rtnContext);

    jobs::QuantizeJob alq(request("alq", 2));
    jobs::JobContext context;
    alq.run(context);
    const auto record = alq.record();
    QCOMPARE(record.status, std::string("finished"));
    QVERIFY2(std::abs(record.avgWbits - 2.0) < 0.05, qPrintable(QString::number(record.avgWbits)));
    qInfo("ALQ 2 bits %.3f, RTN W2 %.3f", record.top1, rtn.record().top1);
    QVERIFY2(record.top1 > rtn.record().top1 + 0.05,
             qPrintable(QString("ALQ %1, RTN %2").arg(record.top1).arg(rtn.record().top1)));
}

void TestAlqMethod::prunesBelowOneBitAndStoresItsState()
{
    auto r = request("alq", 1);
    r.settings["target_bits"] = "0.7";
    jobs::QuantizeJob job(r);
    jobs::JobContext context;
    std::vector<double> averages;
    std::map<std::string, double> layerBits; // the last epoch's
    jobs::LayerSnapshot last;
    context.onMetric = [&](const jobs::MetricPoint &p) {
        if (p.series == "avg_bits")
            averages.push_back(p.value);
        if (p.series.rfind("bits/", 0) == 0)
            layerBits[p.series.substr(5)] = p.value;
    };
    context.onSnapshot = [&](const jobs::LayerSnapshot &s) {
        if (s.layer == 3)
            last = s;
    };
    job.run(context);

    QVERIFY(averages.size() > 3);
    // Greedy init: the groups hold I_max = 4 bases, fewer only where a group is exact sooner.
    QVERIFY(averages.front() > 3.9 && averages.front() <= 4.0);
    QVERIFY2(std::abs(averages.back() - 0.7) < 0.02, qPrintable(QString::number(averages.back())));
    for (size_t i = 1; i < averages.size(); ++i)
        QVERIFY(averages[i] <= averages[i - 1] + 1e-9); // bases are only ever removed
    const auto layers = store::Workspace(r.workspaceDir).layers(job.record().id);
    for (const auto &l : layers)
        QCOMPARE(l.wbits, layerBits.at(l.name));
    QCOMPARE(job.record().avgWbits, averages.back());

    // The snapshot holds every group's scales: pruned ones at 0, the grid a group's value set.
    QVERIFY(last.hasGroups());
    QCOMPARE(int(last.groupScales.size()), last.groupRows * last.groupColumns * last.groupMaxBases);
    int64_t active = 0;
    for (double a : last.groupScales)
        active += a > 0;
    QVERIFY(std::abs(double(active) / (last.groupRows * last.groupColumns) - last.bits) < 1e-9);
    QVERIFY(!last.gridLevels.empty());
    const auto stored = store::Workspace(r.workspaceDir).snapshots(job.record().id, 3).back();
    QCOMPARE(stored.groupScales.size(), last.groupScales.size());

    // State beside the model: masks agree with the stored bits.
    const auto state =
        store::MethodState::load(store::MethodState::pathBeside(job.record().artifact),
                                 layers.size(), {"bases", "scales", "mask", "vmax"});
    const auto &mask = state[3][2].second;
    QCOMPARE(mask.sum().item<double>() / double(mask.size(0)), layers[3].wbits);
    QCOMPARE(state[3][0].second.scalar_type(), torch::kInt8);
}

void TestAlqMethod::exportsBinaryBases()
{
    // The ResNet fixture (residual adds, a strided 1×1 shortcut), pruned below one bit with
    // 4-bit activations.
    auto r = request("alq", 1);
    r.abits = 4;
    r.inputs = {};
    r.settings = {{"batch_size", "16"}, {"max_bases", "3"}, {"rounds", "1"},
                  {"target_bits", "0.8"}, {"post_epochs", "1"}, {"calib_images", "16"}};
    jobs::QuantizeJob job(r);
    jobs::JobContext context;
    job.run(context);
    // Every layer is binary bases holding the bits the run reports (pruned bases take no
    // space), weights Σ ±α equal to the run's, activation quantizers as the run's.
    const auto packed = deploy::QsmExporter::build(job.record());
    const auto layers = job.layers();
    QCOMPARE(packed.layers.size(), layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
        QCOMPARE(packed.layers[i].encoding, qsm::WeightEncoding::BinaryBases);
        QVERIFY(std::abs(packed.layers[i].weightBits() - layers[i].wbits) < 1e-9);
        QCOMPARE(double(packed.layers[i].input.bits), layers[i].abits);
    }
}

void TestAlqMethod::activationBitsAreOptional()
{
    auto r = request("alq", 2);
    r.abits = 4;
    r.settings["rounds"] = "0";
    r.settings["post_epochs"] = "1";
    jobs::QuantizeJob job(r);
    jobs::JobContext context;
    std::string warning;
    context.onWarning = [&](const std::string &w) { warning = w; };
    job.run(context);
    // Without rounds nothing prunes the 4 initial bases toward the 2 asked for: it says so.
    QVERIFY2(warning.find("no pruning rounds") != std::string::npos, warning.c_str());
    const auto layers = job.layers();
    QCOMPARE(layers.front().abits, 8.0); // the image: 8-bit data
    for (size_t i = 1; i < layers.size(); ++i)
        QCOMPARE(layers[i].abits, 4.0);
    QVERIFY(job.record().top1 > 0.5);
    // Layer bit overrides do not apply to a method that learns every layer's bits.
    r.layerBits = {{"fc", 4}};
    jobs::QuantizeJob overridden(r);
    QVERIFY_THROWS_EXCEPTION(Error, overridden.run(context));
}

void TestAlqMethod::cancelStopsTheRun()
{
    jobs::QuantizeJob job(request("alq", 2));
    jobs::JobContext context;
    int epochs = 0;
    context.onMetric = [&](const jobs::MetricPoint &p) {
        if (p.series == "avg_bits" && ++epochs == 2)
            context.cancel();
    };
    QVERIFY_THROWS_EXCEPTION(Cancelled, job.run(context));
    const auto run = store::Workspace(request("alq", 2).workspaceDir).run(job.record().id);
    QCOMPARE(run.status, std::string("cancelled"));
    QVERIFY(!store::Workspace(request("alq", 2).workspaceDir).snapshots(run.id, 0).empty());
}

QTEST_GUILESS_MAIN(TestAlqMethod)
#include "tst_alq_method.moc"
