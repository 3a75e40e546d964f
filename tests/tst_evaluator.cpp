// SPDX-License-Identifier: MIT
// Evaluator: accuracy of a model on a dataset, and the warning for a float model near chance.
#include "analysis/evaluator.h"
#include "jobs/model_inputs.h"
#include "model/quant_graph.h"
#include "synthetic_dataset.h"

#include <QTemporaryDir>
#include <QTest>

using namespace quantscope;

class TestEvaluator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nearChanceWarning_data();
    void nearChanceWarning();
    void randomModelIsNearChance();
};

void TestEvaluator::nearChanceWarning_data()
{
    QTest::addColumn<double>("top1");
    QTest::addColumn<int>("classes");
    QTest::addColumn<bool>("warned");
    QTest::newRow("10 classes, 15 %") << 0.15 << 10 << true;
    QTest::newRow("10 classes, 25 %") << 0.25 << 10 << false;
    QTest::newRow("1000 classes, 0.1 %") << 0.001 << 1000 << true;
    QTest::newRow("1000 classes, 5 %") << 0.05 << 1000 << false;
    QTest::newRow("one class") << 0.0 << 1 << false;
}

void TestEvaluator::nearChanceWarning()
{
    QFETCH(double, top1);
    QFETCH(int, classes);
    QFETCH(bool, warned);
    analysis::EvalResult r;
    r.top1 = top1;
    r.classes = classes;
    r.samples = 1000;
    const auto text = QString::fromStdString(analysis::Evaluator::nearChanceWarning(r));
    QCOMPARE(!text.isEmpty(), warned);
    if (warned)
        for (const char *cause : {"input size", "normalisation", "channel order", "class order"})
            QVERIFY2(text.contains(QLatin1String(cause)), qPrintable(text));
}

void TestEvaluator::randomModelIsNearChance()
{
    // The fixture's weights are random: on 10 learnable classes it guesses.
    QTemporaryDir dir;
    testing::writeIdx(dir.path(), 20, 200, 8, false);
    model::QuantGraph graph(QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_traced.pt");
    jobs::ModelInputs inputs(graph, dir.path().toStdString());
    const auto test = inputs.open(data::Split::Test);
    auto session = graph.makeSession();
    const auto r = analysis::Evaluator::evaluate(graph, session, test, inputs.transform());
    QCOMPARE(r.samples, int64_t(200));
    QVERIFY2(r.top1 < 0.2, qPrintable(QString::number(r.top1)));
    QVERIFY(!analysis::Evaluator::nearChanceWarning(r).empty());
}

QTEST_GUILESS_MAIN(TestEvaluator)
#include "tst_evaluator.moc"
