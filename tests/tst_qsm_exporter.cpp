// SPDX-License-Identifier: MIT
// QsmExporter: a run of a traced model becomes the packed format op for op, and the runtime
// computes from it what the workbench simulated.
#include "deploy/qsm_exporter.h"
#include "deploy/runtime_check.h"
#include "jobs/model_inputs.h"
#include "jobs/quantize_job.h"
#include "model/quant_graph.h"
#include "synthetic_dataset.h"

#include <QTemporaryDir>
#include <QTest>

using namespace quantscope;

class TestQsmExporter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exportsTorchvisionHeads();

private:
    QTemporaryDir m_dir;
};

void TestQsmExporter::initTestCase()
{
    testing::writeIdx(m_dir.filePath(QStringLiteral("data")), 64, 40, 8, true);
}

void TestQsmExporter::exportsTorchvisionHeads()
{
    // torchvision's heads: MNASNet's nn.Dropout(inplace=True), traced as dropout_, and
    // nn.Dropout2d as feature_dropout_ pass their input on in inference; AlexNet's and VGG's
    // adaptive average pools to a size that divides the map are an average pool (4×4 to 2×2)
    // or the identity (2×2 to 2×2).
    jobs::QuantizeRequest r;
    r.modelPath = QUANTSCOPE_FIXTURE_DIR "/tiny_head_cnn_traced.pt";
    r.dataPath = m_dir.filePath(QStringLiteral("data")).toStdString();
    r.method = "rtn";
    r.wbits = 4;
    r.abits = 4;
    r.settings = {{"calib_images", "32"}};
    r.workspaceDir = m_dir.filePath(QStringLiteral("ws")).toStdString();
    jobs::QuantizeJob job(r);
    jobs::JobContext context;
    job.run(context);

    const auto packed = deploy::QsmExporter::build(job.record());
    std::vector<qsm::OpKind> kinds;
    for (const auto &op : packed.ops)
        kinds.push_back(op.kind);
    using K = qsm::OpKind;
    const std::vector<K> expected = {K::Conv,    K::Clamp,   K::Conv,  K::Clamp,
                                     K::AvgPool, K::Flatten, K::Linear};
    QVERIFY(kinds == expected);

    // The runtime's fp32 backend against LibTorch with float activations, and its low-bit
    // backend's classes against the simulation's, on every test image.
    model::QuantGraph graph(job.record().artifact);
    jobs::ModelInputs inputs(graph, r.dataPath);
    const auto test = inputs.open(data::Split::Test);
    const auto check = deploy::RuntimeCheck::run(job.record(), graph, packed, test,
                                                 inputs.transform(), 0, context);
    QCOMPARE(check.images, int64_t(40));
    QVERIFY2(check.fp32MaxRelDiff < 1e-4, std::to_string(check.fp32MaxRelDiff).c_str());
    QVERIFY2(check.agreement > 0.95, std::to_string(check.agreement).c_str());
}

QTEST_GUILESS_MAIN(TestQsmExporter)
#include "tst_qsm_exporter.moc"
