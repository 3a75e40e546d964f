// SPDX-License-Identifier: MIT
// DSQ end to end on a tiny model: a short QAT run lowers the training loss, emits snapshots
// and α points, and beats round-to-nearest at the same (2-bit) precision.
#include "jobs/quantize_job.h"
#include "model/quant_graph.h"
#include "synthetic_dataset.h"
#include "train/trainer.h"

#include <QTemporaryDir>
#include <QTest>

using namespace quantscope;

class TestDsqMethod : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void qatLowersLossAndBeatsRtn();

private:
    jobs::QuantizeRequest request(const std::string &method) const;

    QTemporaryDir m_dir;
    std::string m_model;
};

void TestDsqMethod::initTestCase()
{
    // Eight classes on 8×8 images: class c lights row c.
    testing::writeIdx(m_dir.filePath(QStringLiteral("data")), 400, 160, 8, false, 8);
    const auto data = data::DatasetReader::open(m_dir.filePath(QStringLiteral("data")).toStdString(),
                                                data::Split::Train);
    // A float model that has learnt the task, so quantization has accuracy to lose.
    model::QuantGraph graph(QUANTSCOPE_FIXTURE_DIR "/tiny_resnet_scripted.pt");
    auto session = graph.makeSession();
    train::ParameterGroup weights;
    weights.learningRate = 0.05;
    for (const auto &l : graph.layers())
        weights.tensors.push_back(graph.floatWeight(l.id).clone().requires_grad_(true));
    train::TrainOptions options;
    options.epochs = 15;
    options.batchSize = 32;
    options.augment = false;
    jobs::JobContext context;
    data::InputTransform transform{{0.3f}, {0.3f}, 1};
    train::Trainer::train(
        [&](const torch::Tensor &x) {
            for (size_t i = 0; i < weights.tensors.size(); ++i)
                session.setWeight(int(i), weights.tensors[i]);
            return graph.forward(x, session);
        },
        {weights}, data, transform, options, context, {});
    m_model = m_dir.filePath(QStringLiteral("pretrained.pt")).toStdString();
    graph.saveWithWeights(weights.tensors, m_model);
}

jobs::QuantizeRequest TestDsqMethod::request(const std::string &method) const
{
    jobs::QuantizeRequest r;
    r.modelPath = m_model;
    r.dataPath = m_dir.filePath(QStringLiteral("data")).toStdString();
    r.method = method;
    r.wbits = 2;
    r.abits = 2;
    r.settings = {{"calib_images", "64"}};
    r.inputs = {{0.3f}, {0.3f}};
    r.workspaceDir = m_dir.filePath(QStringLiteral("ws")).toStdString();
    return r;
}

void TestDsqMethod::qatLowersLossAndBeatsRtn()
{
    jobs::QuantizeJob rtn(request("rtn"));
    jobs::JobContext rtnContext;
    rtn.run(rtnContext);

    auto dsqRequest = request("dsq");
    dsqRequest.settings.insert({{"epochs", "8"}, {"batch_size", "32"}, {"lr", "0.01"},
                                {"quant_lr", "0.005"}, {"snapshot_every", "10"}});
    jobs::QuantizeJob dsq(dsqRequest);
    jobs::JobContext context;
    std::vector<double> epochLoss;
    int snapshots = 0, alphaPoints = 0;
    context.onMetric = [&](const jobs::MetricPoint &p) {
        if (p.series == "epoch_loss")
            epochLoss.push_back(p.value);
        alphaPoints += p.series.rfind("alpha/", 0) == 0;
    };
    context.onSnapshot = [&](const jobs::LayerSnapshot &s) {
        ++snapshots;
        QVERIFY(s.bits == (s.layer == 0 || s.layer == 6 ? 8.0 : 2.0)); // first/last at 8
        QCOMPARE(s.gridLevels.size(), size_t(1) << int(s.bits));
        // α and the clipped share ride along, for the run view's title.
        QVERIFY2(s.note.rfind("α 0.", 0) == 0 && s.note.find("% clipped") != std::string::npos,
                 s.note.c_str());
    };
    dsq.run(context);

    QCOMPARE(epochLoss.size(), size_t(8));
    QVERIFY2(epochLoss.back() < epochLoss.front(),
             qPrintable(QStringLiteral("%1 → %2").arg(epochLoss.front()).arg(epochLoss.back())));
    QVERIFY(snapshots >= 7 * 3); // start, every 10 steps, final
    QCOMPARE(alphaPoints, snapshots);
    const double fp = dsq.record().fpTop1, dsqTop1 = dsq.record().top1, rtnTop1 = rtn.record().top1;
    qInfo("float %.3f, RTN W2A2 %.3f, DSQ W2A2 %.3f", fp, rtnTop1, dsqTop1);
    QVERIFY(fp > 0.9);
    QVERIFY2(dsqTop1 > rtnTop1, "DSQ should beat RTN at 2 bits");
    QCOMPARE(dsq.layers()[1].wbits, 2.0);
}

QTEST_GUILESS_MAIN(TestDsqMethod)
#include "tst_dsq_method.moc"
