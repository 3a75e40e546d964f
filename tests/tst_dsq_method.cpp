// SPDX-License-Identifier: MIT
// DSQ end to end on a tiny model: a short QAT run lowers the training loss, emits snapshots
// and α points, and beats round-to-nearest at the same (2-bit) precision.
#include "jobs/quantize_job.h"
#include "pretrained_fixture.h"

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
    const testing::PretrainedFixture fixture(m_dir);
    m_model = fixture.modelPath;
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
