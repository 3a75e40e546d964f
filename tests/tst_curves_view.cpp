// SPDX-License-Identifier: MIT
// CurvesView: which series it plots and where — per-step on top, per-epoch below with accuracy
// in percent, per-layer series kept out — and the regulariser's axis and the epoch plot
// appearing only for runs that have them.
#include "curves_view.h"

#include <qcustomplot.h>

#include <QTest>

using quantscope::jobs::MetricPoint;
using quantscope::widgets::CurvesView;

class TestCurvesView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plotsShownSeries();
    void regulariserAxisFollowsTheRun();
    void epochPlotOnlyForRunsWithEpochs();

private:
    static QCPAxis *stepRightAxis(const CurvesView &view)
    {
        return view.plot()->axisRect(0)->axis(QCPAxis::atRight);
    }
};

void TestCurvesView::plotsShownSeries()
{
    CurvesView view;
    view.setPoints({{"train_loss", 0, 2.3}, {"train_loss", 20, 0.9}, {"test_top1", 1, 0.875},
                    {"alpha/layer1.conv1", 0, 0.2}, {"bits/fc", 0, 8}, {"epoch_seconds", 1, 78}});
    QCOMPARE(view.seriesNames(), (QStringList{QStringLiteral("test_top1"),
                                              QStringLiteral("train_loss")}));
    QCOMPARE(view.pointCount(QStringLiteral("train_loss")), 2);
    const auto *accuracy = view.plot()->graph(1);
    QCOMPARE(accuracy->name(), QStringLiteral("test_top1"));
    QCOMPARE(accuracy->keyAxis()->axisRect(), view.plot()->axisRect(1)); // the epoch plot
    QCOMPARE(accuracy->data()->begin()->value, 87.5);
}

void TestCurvesView::regulariserAxisFollowsTheRun()
{
    CurvesView view;
    QVERIFY(!stepRightAxis(view)->visible());
    view.setPoints({{"recon", 0, 0.4}, {"round", 0, 350}});
    QVERIFY(stepRightAxis(view)->visible());
    // A DSQ run shown next has no regulariser: its axis goes, the loss axis stays.
    view.setPoints({{"train_loss", 0, 2.3}});
    QVERIFY(!stepRightAxis(view)->visible());
    QVERIFY(view.plot()->axisRect(0)->axis(QCPAxis::atLeft)->visible());
}

void TestCurvesView::epochPlotOnlyForRunsWithEpochs()
{
    CurvesView view;
    QCOMPARE(view.plot()->axisRects().size(), 1);
    view.setPoints({{"train_loss", 0, 2.3}, {"test_top1", 1, 0.875}}); // DSQ
    QCOMPARE(view.plot()->axisRects().size(), 2);
    view.setPoints({{"recon", 0, 0.4}, {"round", 0, 350}}); // BRECQ: no epochs
    QCOMPARE(view.plot()->axisRects().size(), 1);
    QCOMPARE(view.plot()->plotLayout()->rowCount(), 1); // the step plot takes the whole height
    view.addPoint({"test_top1", 1, 0.9}); // a live run's first epoch brings it back
    QCOMPARE(view.plot()->axisRects().size(), 2);
    QCOMPARE(view.plot()->graph(2)->name(), QStringLiteral("test_top1"));
    QCOMPARE(view.plot()->graph(2)->keyAxis()->axisRect(), view.plot()->axisRect(1));
}

QTEST_MAIN(TestCurvesView)
#include "tst_curves_view.moc"
