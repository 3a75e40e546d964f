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
    void exportsConcatenatedBranches();
    void exportsUnfoldedBatchNorms();
    void exportsSqueezeAndExcitation();

private:
    // RTN W4A4 of a fixture, exported; then the runtime against the simulation on the test
    // images: fp32 against LibTorch with float activations, the low-bit backend's classes
    // against the simulation's.
    std::vector<qsm::OpKind> exportAndCheck(const char *fixture);

    QTemporaryDir m_dir;
};

void TestQsmExporter::initTestCase()
{
    testing::writeIdx(m_dir.filePath(QStringLiteral("data")), 64, 40, 8, true);
}

std::vector<qsm::OpKind> TestQsmExporter::exportAndCheck(const char *fixture)
{
    jobs::QuantizeRequest r;
    r.modelPath = std::string(QUANTSCOPE_FIXTURE_DIR "/") + fixture;
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
    model::QuantGraph graph(job.record().artifact);
    jobs::ModelInputs inputs(graph, r.dataPath);
    const auto test = inputs.open(data::Split::Test);
    const auto check = deploy::RuntimeCheck::run(job.record(), graph, packed, test,
                                                 inputs.transform(), 0, context);
    [&] {
        QCOMPARE(check.images, int64_t(40));
        QVERIFY2(check.fp32MaxRelDiff < 1e-4, std::to_string(check.fp32MaxRelDiff).c_str());
        QVERIFY2(check.agreement > 0.95, std::to_string(check.agreement).c_str());
    }();
    std::vector<qsm::OpKind> kinds;
    for (const auto &op : packed.ops)
        kinds.push_back(op.kind);
    return kinds;
}

void TestQsmExporter::exportsTorchvisionHeads()
{
    // torchvision's heads: MNASNet's nn.Dropout(inplace=True), traced as dropout_, and
    // nn.Dropout2d as feature_dropout_ pass their input on in inference; AlexNet's and VGG's
    // adaptive average pools to a size that divides the map are an average pool (4×4 to 2×2)
    // or the identity (2×2 to 2×2).
    using K = qsm::OpKind;
    const std::vector<K> expected = {K::Conv,    K::Clamp,   K::Conv,  K::Clamp,
                                     K::AvgPool, K::Flatten, K::Linear};
    QVERIFY(exportAndCheck("tiny_head_cnn_traced.pt") == expected);
}

void TestQsmExporter::exportsConcatenatedBranches()
{
    // torch.cat of a fire module's expands and its input, then of a map and its growth
    // (dim=-3, the channels counted from the end), each one concat op.
    using K = qsm::OpKind;
    const std::vector<K> expected = {
        K::Conv,  K::Clamp,  K::Conv,  K::Clamp,   K::Conv,          K::Clamp,
        K::Conv,  K::Clamp,  K::Concat, K::Conv,   K::Clamp,         K::Concat,
        K::MaxPool, K::GlobalAvgPool, K::Flatten, K::Linear};
    QVERIFY(exportAndCheck("tiny_fire_cnn_traced.pt") == expected);
}

void TestQsmExporter::exportsUnfoldedBatchNorms()
{
    // A batch norm after a conv is folded into it at import; one after an add, or before a
    // relu that feeds a conv, or on pooled features is a channel affine op.
    using K = qsm::OpKind;
    const std::vector<K> expected = {
        K::Conv,  K::ChannelAffine, K::Clamp,         K::Conv,          K::Clamp,
        K::Conv,  K::Add,           K::ChannelAffine, K::Clamp,         K::GlobalAvgPool,
        K::Flatten, K::ChannelAffine, K::Linear};
    QVERIFY(exportAndCheck("tiny_preact_cnn_traced.pt") == expected);
}

void TestQsmExporter::exportsSqueezeAndExcitation()
{
    // hardswish_ and silu_ after convs, the SE scale's hardsigmoid times the map, a sigmoid
    // gate times a map of the same shape.
    using K = qsm::OpKind;
    const std::vector<K> expected = {
        K::Conv,          K::Activation, K::Conv,       K::Activation, K::GlobalAvgPool,
        K::Conv,          K::Clamp,      K::Conv,       K::Activation, K::Mul,
        K::Conv,          K::Activation, K::Mul,        K::GlobalAvgPool, K::Flatten,
        K::Linear};
    QVERIFY(exportAndCheck("tiny_excitation_cnn_traced.pt") == expected);
}

QTEST_GUILESS_MAIN(TestQsmExporter)
#include "tst_qsm_exporter.moc"
