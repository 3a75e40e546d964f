// SPDX-License-Identifier: MIT
// A whole quantization run on a tiny model: metrics, per-layer rows, snapshots, a reloadable
// artifact; a cancelled run is kept and marked; bad input records nothing; the input size can
// be overridden.
#include "compute_device.h"
#include "error.h"
#include "jobs/model_inputs.h"
#include "jobs/quantize_job.h"
#include "model/quant_graph.h"
#include "store/workspace.h"
#include "synthetic_dataset.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include <QTemporaryDir>
#include <QTest>

using namespace quantscope;

class TestQuantizeJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void rtnRunIsStored();
    void lowerBitsLowerSqnr();
    void cancelledRunIsKept();
    void badInputRecordsNothing();
    void imageSizeOverride();
    void deviceNamesAreChecked();

private:
    jobs::QuantizeRequest request(int wbits, int abits) const;

    QTemporaryDir m_dir;
};

void TestQuantizeJob::initTestCase()
{
    testing::writeIdx(m_dir.filePath(QStringLiteral("data")), 64, 40, 8, true);
    testing::writeIdx(m_dir.filePath(QStringLiteral("data10")), 20, 20, 10, false);
}

jobs::QuantizeRequest TestQuantizeJob::request(int wbits, int abits) const
{
    jobs::QuantizeRequest r;
    r.modelPath = QUANTSCOPE_FIXTURE_DIR "/tiny_resnet_scripted.pt";
    r.dataPath = m_dir.filePath(QStringLiteral("data")).toStdString();
    r.wbits = wbits;
    r.abits = abits;
    r.settings = {{"calib_images", "32"}};
    r.workspaceDir = m_dir.filePath(QStringLiteral("ws")).toStdString();
    return r;
}

void TestQuantizeJob::rtnRunIsStored()
{
    jobs::QuantizeJob job(request(4, 8));
    jobs::JobContext context;
    std::vector<double> progress;
    int snapshots = 0;
    context.onProgress = [&](double f, const std::string &) { progress.push_back(f); };
    context.onSnapshot = [&](const jobs::LayerSnapshot &s) {
        ++snapshots;
        QCOMPARE(s.counts.size() + 1, s.binEdges.size());
        QVERIFY(!s.gridLevels.empty());
    };
    job.run(context);
    QCOMPARE(job.record().status, std::string("finished"));
    QCOMPARE(snapshots, 7);
    QVERIFY(std::is_sorted(progress.begin(), progress.end()));
    QCOMPARE(progress.back(), 1.0);
    QVERIFY(job.record().sizeBytes < job.record().fpSizeBytes / 3);
    QVERIFY(job.record().avgWbits > 4 && job.record().avgWbits < 8);
    // Σ MACs × wbits × abits: between all-4-bit and all-8-bit.
    int64_t macs = 0;
    const model::QuantGraph graph(request(4, 8).modelPath);
    for (const auto &l : graph.layers())
        macs += l.macs;
    QVERIFY(job.record().bops > macs * 4.0 * 8 && job.record().bops < macs * 8.0 * 8);
    QCOMPARE(job.layers().size(), size_t(7));
    QCOMPARE(job.layers().front().wbits, 8.0); // first layer stays at 8 bits
    QCOMPARE(job.layers()[1].wbits, 4.0);

    store::Workspace ws(request(4, 8).workspaceDir);
    const auto stored = ws.run(job.runId());
    QCOMPARE(stored.status, std::string("finished"));
    QCOMPARE(stored.top1, job.record().top1);
    QCOMPARE(ws.snapshots(job.runId()).size(), size_t(7));
    // The artifact is a model the importer reads, with the quantized weights in it.
    model::QuantGraph artifact(stored.artifact);
    QCOMPARE(artifact.layers().size(), size_t(7));
    const auto w = artifact.floatWeight(1);
    QVERIFY(std::get<0>(torch::_unique(w[0])).numel() <= 16);
}

void TestQuantizeJob::lowerBitsLowerSqnr()
{
    jobs::QuantizeJob eight(request(8, 32)), two(request(2, 32));
    jobs::JobContext a, b;
    eight.run(a);
    two.run(b);
    QVERIFY(eight.layers()[2].sqnrDb > two.layers()[2].sqnrDb + 20);
    QVERIFY(eight.record().sizeBytes > two.record().sizeBytes);
}

void TestQuantizeJob::cancelledRunIsKept()
{
    jobs::QuantizeJob job(request(4, 4));
    jobs::JobContext context;
    context.onProgress = [&](double f, const std::string &) {
        if (f > 0.2)
            context.cancel();
    };
    QVERIFY_THROWS_EXCEPTION(Cancelled, job.run(context));
    QVERIFY(job.runId() > 0);
    store::Workspace ws(request(4, 4).workspaceDir);
    QCOMPARE(ws.run(job.runId()).status, std::string("cancelled"));
}

void TestQuantizeJob::badInputRecordsNothing()
{
    store::Workspace ws(request(4, 4).workspaceDir);
    const auto before = ws.runs().size();
    auto wrongShape = request(4, 4);
    wrongShape.dataPath = m_dir.filePath(QStringLiteral("data10")).toStdString(); // 10×10 images
    auto wrongSetting = request(4, 4);
    wrongSetting.settings["clip"] = "sometimes";
    auto wrongBits = request(9, 4);
    auto wrongDevice = request(4, 4);
    wrongDevice.device = "gpu";
    for (const auto &r : {wrongShape, wrongSetting, wrongBits, wrongDevice}) {
        jobs::QuantizeJob job(r);
        jobs::JobContext context;
        QVERIFY_THROWS_EXCEPTION(Error, job.run(context));
    }
    QCOMPARE(ws.runs().size(), before);
}

void TestQuantizeJob::imageSizeOverride()
{
    // The 8×8 IDX images are resized to 12×12; the model (global pooling) runs at that size.
    auto req = request(4, 32);
    req.inputs.imageSize = 12;
    jobs::QuantizeJob job(req);
    jobs::JobContext context;
    job.run(context);
    QCOMPARE(job.record().status, std::string("finished"));
    const auto config = nlohmann::json::parse(job.record().configJson);
    QCOMPARE(config.at("image_size").get<int>(), 12);
    QCOMPARE(config.at("image_size_source").get<std::string>(), std::string("set by you"));

    model::QuantGraph graph(req.modelPath);
    const auto data = jobs::ModelInputs(graph, req.dataPath, req.inputs).open(data::Split::Test);
    QCOMPARE(data.imageShape(), (std::vector<int64_t>{1, 12, 12}));
    QCOMPARE(graph.inputShape(), (std::vector<int64_t>{1, 12, 12}));
    QVERIFY(data.images.max().item<int>() > 0); // resized pixels, not zeros
    req.inputs.imageSize = -3;
    QVERIFY_THROWS_EXCEPTION(Error, jobs::QuantizeJob(req).run(context));
}

void TestQuantizeJob::deviceNamesAreChecked()
{
    QVERIFY(ComputeDevice::parse("cpu").is_cpu());
    QCOMPARE(ComputeDevice::available().front(), std::string("cpu"));
    for (const char *bad : {"gpu", "cuda:", "cuda:x", "cudax", "cuda:1234", "CPU"}) {
        try {
            ComputeDevice::parse(bad);
            QFAIL(bad);
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("expected cpu, cuda or cuda:N") != std::string::npos,
                     e.what());
        }
    }
    if (!ComputeDevice::cudaAvailable()) {
        QCOMPARE(ComputeDevice::available().size(), size_t(1));
        QVERIFY_THROWS_EXCEPTION(Error, ComputeDevice::parse("cuda"));
    } else {
        QVERIFY(ComputeDevice::parse("cuda").is_cuda());
    }
}

QTEST_GUILESS_MAIN(TestQuantizeJob)
#include "tst_quantize_job.moc"

