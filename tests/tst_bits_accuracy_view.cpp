// SPDX-License-Identifier: MIT
// BitsAccuracyView: a point per epoch that has both average bits and test top-1 (in percent),
// in epoch order, other series left alone, the replayed epoch marked.
#include "bits_accuracy_view.h"

#include <qcustomplot.h>

#include <QTest>

using quantscope::widgets::BitsAccuracyView;

class TestBitsAccuracyView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pairsBitsWithAccuracyByEpoch();
};

void TestBitsAccuracyView::pairsBitsWithAccuracyByEpoch()
{
    BitsAccuracyView view;
    QVERIFY(!view.hasPath());
    QVERIFY(view.addMetric({"avg_bits", 0, 6.0})); // the start: no accuracy yet
    QVERIFY(view.addMetric({"avg_bits", 1, 6.0}));
    QVERIFY(view.addMetric({"test_top1", 1, 0.91}));
    QVERIFY(view.addMetric({"avg_bits", 2, 2.9}));
    QVERIFY(view.addMetric({"test_top1", 2, 0.88}));
    QVERIFY(!view.addMetric({"bits/fc", 2, 3.0}));
    QVERIFY(!view.addMetric({"train_top1", 2, 0.95}));
    QCOMPARE(view.pointCount(), 2);
    auto *path = qobject_cast<QCPCurve *>(view.plot()->plottable(0));
    QCOMPARE(path->data()->at(1)->key, 2.9);
    QCOMPARE(path->data()->at(1)->value, 88.0);
    view.markEpoch(2);
    QCOMPARE(view.plot()->graph(0)->dataCount(), 1);
    QCOMPARE(view.plot()->graph(0)->data()->begin()->key, 2.9);
    view.markEpoch(0); // no accuracy at the start: nothing to mark
    QCOMPARE(view.plot()->graph(0)->dataCount(), 0);
    view.clear();
    QCOMPARE(view.pointCount(), 0);
}

QTEST_MAIN(TestBitsAccuracyView)
#include "tst_bits_accuracy_view.moc"
