// SPDX-License-Identifier: MIT
// Every method on a CUDA device, where this LibTorch sees one (skipped with a message where it
// does not, as on CI): a whole run finishes, stores its device, and scores within a few test
// images of the same run on the CPU, and repeats exactly on the GPU; and the learned activation
// step's tensor-op path, which only a GPU takes, agrees with its CPU loop (CPQ's is checked in
// tst_cpq_quantizer, on the CPU and on a GPU).
#include "analysis/grid_units.h"
#include "analysis/weight_histogram.h"
#include "compute_device.h"
#include "jobs/quantize_job.h"
#include "pretrained_fixture.h"
#include "quant/lsq_activation.h"
#include "store/workspace.h"

#include <nlohmann/json.hpp>

#include <numeric>
#include <tuple>

#include <QTest>

using namespace quantscope;

class TestCudaRuns : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void activationStepMatchesCpu();
    void snapshotCountsMatchCpu();
    void runMatchesCpu_data();
    void runMatchesCpu();
    void gpuRunRepeats();

private:
    jobs::QuantizeRequest request(const QString &method, int wbits, int abits,
                                  const QString &settings, const char *device) const;
    QTemporaryDir m_dir;
    std::string m_model, m_data;
};

void TestCudaRuns::initTestCase()
{
    if (!ComputeDevice::cudaAvailable())
        QSKIP("no CUDA GPU visible to this LibTorch: the GPU paths are checked where one is");
    const testing::PretrainedFixture fixture(m_dir);
    m_model = fixture.modelPath;
    m_data = fixture.dataDir;
}

void TestCudaRuns::activationStepMatchesCpu()
{
    torch::manual_seed(4);
    const auto x = torch::randn({40011}) * 1.5;
    const auto probe = torch::randn({40011});
    std::vector<torch::Tensor> results[2];
    int i = 0;
    for (const auto device : {c10::Device(c10::kCPU), c10::Device(c10::kCUDA)}) {
        quant::QuantGrid grid;
        grid.bits = 4;
        grid.qmin = 0;
        grid.qmax = 15;
        grid.scale = torch::tensor({0.13f}, torch::TensorOptions().device(device));
        grid.zeroPoint = torch::tensor({int64_t(3)}, torch::TensorOptions().device(device));
        quant::LsqActivation q(grid);
        auto xd = x.to(device).clone().requires_grad_(true); // x itself stays a constant
        const auto y = q(xd);
        (y * probe.to(device)).sum().backward();
        results[i++] = {y.detach().cpu(), xd.grad().cpu(), q.step().grad().cpu()};
    }
    QVERIFY(torch::allclose(results[0][0], results[1][0], 1e-5, 1e-6));
    QVERIFY(torch::allclose(results[0][1], results[1][1]));
    QVERIFY2(torch::allclose(results[0][2], results[1][2], 1e-4, 1e-4),
             qPrintable(QStringLiteral("%1 vs %2")
                            .arg(results[0][2].item<double>())
                            .arg(results[1][2].item<double>())));
}

// A snapshot is counted where the weights train; only the counts leave the GPU.
void TestCudaRuns::snapshotCountsMatchCpu()
{
    torch::manual_seed(5);
    // Per-channel 3-bit grids, some weights beyond them. Each weight sits 0.005 + 0.03·k steps
    // off its level (k in −3…3): at least a thousandth of a step from every bin edge and from
    // the cluster radius, so float rounding cannot tell the devices apart.
    const auto low = torch::tensor({-0.7f, -0.3f, -1.1f, -0.2f});
    const auto step = torch::tensor({0.2f, 0.1f, 0.3f, 0.05f});
    const auto codes = torch::randint(-1, 9, {4, 3001}).to(torch::kFloat32);
    const auto offset =
        (torch::randint(0, 7, {4, 3001}).to(torch::kFloat32) - 3) * 0.03f + 0.005f;
    const auto weights = low.view({4, 1}) + (codes + offset) * step.view({4, 1});
    jobs::LayerSnapshot snaps[2];
    int i = 0;
    for (const auto device : {c10::Device(c10::kCPU), c10::Device(c10::kCUDA)}) {
        const quant::GridGeometry grid{low.to(device), step.to(device), 8};
        analysis::GridUnits::fill(snaps[i], weights.to(device), grid);
        analysis::WeightHistogram::fill(snaps[i], weights.to(device));
        ++i;
    }
    QCOMPARE(snaps[1].unitCounts, snaps[0].unitCounts);
    QCOMPARE(snaps[1].levelCounts, snaps[0].levelCounts);
    QCOMPARE(snaps[1].channelCounts, snaps[0].channelCounts);
    QCOMPARE(snaps[1].outsideCount, snaps[0].outsideCount);
    QCOMPARE(snaps[1].clusteredShare, snaps[0].clusteredShare);
    QCOMPARE(snaps[1].channelStep, snaps[0].channelStep);
    QCOMPARE(std::accumulate(snaps[1].counts.begin(), snaps[1].counts.end(), 0.0),
             double(weights.numel()));
}

void TestCudaRuns::runMatchesCpu_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("wbits");
    QTest::addColumn<int>("abits");
    QTest::addColumn<QString>("settings"); // JSON object of strings
    QTest::newRow("rtn W4A8") << "rtn" << 4 << 8 << R"({})";
    QTest::newRow("dsq W2A4") << "dsq" << 2 << 4 << R"({"epochs": "2", "batch_size": "32"})";
    QTest::newRow("cpq W2A4") << "cpq" << 2 << 4
                              << R"({"epochs": "2", "batch_size": "32", "lr": "0.005"})";
    QTest::newRow("cpq learned 4→3") << "cpq" << 4 << 32
                                     << R"({"epochs": "2", "batch_size": "32", "learn_bits": "true",
                                           "target_bits": "3"})";
    QTest::newRow("brecq W2A4") << "brecq" << 2 << 4
                                << R"({"iterations": "200", "act_iterations": "50"})";
    QTest::newRow("brecq mixed") << "brecq" << 4 << 32
                                 << R"({"iterations": "100", "mixed_precision": "true"})";
    QTest::newRow("alq W2") << "alq" << 2 << 32
                            << R"({"batch_size": "32", "max_bases": "4", "rounds": "1",
                                   "post_epochs": "1"})";
}

void TestCudaRuns::runMatchesCpu()
{
    QFETCH(QString, method);
    QFETCH(int, wbits);
    QFETCH(int, abits);
    QFETCH(QString, settings);
    double top1[2] = {};
    int i = 0;
    for (const char *device : {"cpu", "cuda"}) {
        const auto r = request(method, wbits, abits, settings, device);
        jobs::QuantizeJob job(r);
        jobs::JobContext context;
        job.run(context);
        QCOMPARE(job.record().status, std::string("finished"));
        QCOMPARE(nlohmann::json::parse(job.record().configJson).at("device").get<std::string>(),
                 std::string(device));
        top1[i++] = job.record().top1;
    }
    qInfo("%s: top-1 %.3f on the CPU, %.3f on the GPU", qPrintable(method), top1[0], top1[1]);
    // cuDNN's convolutions round differently, and training amplifies it: a few of the 160
    // test images may change their answer.
    QVERIFY2(std::abs(top1[0] - top1[1]) <= 0.05,
             qPrintable(QStringLiteral("%1 vs %2").arg(top1[0]).arg(top1[1])));
}

// cuDNN's deterministic algorithms and cuBLAS's fixed workspace (ComputeDevice::prepare): the
// same training run twice gives the same curves (losses, DSQ's α per layer, accuracies) and the
// same model. Wall-clock series are left out.
void TestCudaRuns::gpuRunRepeats()
{
    std::vector<std::tuple<std::string, double, double>> curves[2];
    double top1[2] = {};
    for (int i = 0; i < 2; ++i) {
        jobs::QuantizeJob job(request(QStringLiteral("dsq"), 2, 4,
                                      QStringLiteral(R"({"epochs": "2", "batch_size": "32"})"),
                                      "cuda"));
        jobs::JobContext context;
        context.onMetric = [&](const jobs::MetricPoint &p) {
            if (p.series.find("seconds") == std::string::npos)
                curves[i].emplace_back(p.series, p.step, p.value);
        };
        job.run(context);
        top1[i] = job.record().top1;
    }
    QVERIFY2(curves[0].size() > 10, qPrintable(QString::number(curves[0].size())));
    QVERIFY(curves[1] == curves[0]);
    QCOMPARE(top1[1], top1[0]);
}

jobs::QuantizeRequest TestCudaRuns::request(const QString &method, int wbits, int abits,
                                            const QString &settings, const char *device) const
{
    jobs::QuantizeRequest r;
    r.modelPath = m_model;
    r.dataPath = m_data;
    r.method = method.toStdString();
    r.wbits = wbits;
    r.abits = abits;
    r.settings = nlohmann::json::parse(settings.toStdString()).get<std::map<std::string, std::string>>();
    r.settings["calib_images"] = "64";
    r.inputs = {{0.3f}, {0.3f}};
    r.workspaceDir = m_dir.filePath(QStringLiteral("ws")).toStdString();
    r.device = device;
    return r;
}

QTEST_GUILESS_MAIN(TestCudaRuns)
#include "tst_cuda_runs.moc"
