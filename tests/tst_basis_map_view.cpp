// SPDX-License-Identifier: MIT
// BasisMapView: one cell per group (filters down, taps across) holding its number of bases, a
// click selecting the group under the pointer and saying so, the tooltip naming the group's
// scales, and another layer's snapshot dropping a selection that no longer fits.
#include "basis_map_view.h"

#include <qcustomplot.h>

#include <QSignalSpy>
#include <QTest>

using quantscope::jobs::LayerSnapshot;
using quantscope::widgets::BasisMapView;

class TestBasisMapView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cellsHoldBasesPerGroup();
    void clickSelectsTheGroup();

private:
    // 2 filters × 3 taps, up to 2 bases: group g keeps g % 3 of them.
    static LayerSnapshot snapshot()
    {
        LayerSnapshot s;
        s.groupRows = 2;
        s.groupColumns = 3;
        s.groupMaxBases = 2;
        for (int g = 0; g < 6; ++g)
            for (int i = 0; i < 2; ++i)
                s.groupScales.push_back(i < g % 3 ? 0.1 * (i + 1) : 0.0);
        return s;
    }
};

void TestBasisMapView::cellsHoldBasesPerGroup()
{
    BasisMapView view;
    view.setSnapshot(snapshot());
    auto *map = qobject_cast<QCPColorMap *>(view.plot()->plottable(0));
    QVERIFY(map);
    QCOMPARE(map->data()->keySize(), 3);
    QCOMPARE(map->data()->valueSize(), 2);
    QCOMPARE(map->data()->cell(2, 1), 2.0); // filter 1, tap 2: group 5
    QCOMPARE(map->data()->cell(0, 1), 0.0); // group 3: pruned to zero
    QVERIFY(view.toolTipFor(3).contains(QStringLiteral("zero")));
    QVERIFY(view.toolTipFor(2).contains(QStringLiteral("0.1, 0.2")));
    QCOMPARE(snapshot().groupValueSet(2), (std::vector<double>{-0.30000000000000004, -0.1, 0.1,
                                                               0.30000000000000004}));
}

void TestBasisMapView::clickSelectsTheGroup()
{
    BasisMapView view;
    view.resize(400, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSnapshot(snapshot());
    view.plot()->replot();
    QSignalSpy selected(&view, &BasisMapView::groupSelected);
    const QPoint cell(int(view.plot()->xAxis->coordToPixel(1)),
                      int(view.plot()->yAxis->coordToPixel(1)));
    QCOMPARE(view.groupAt(cell), 4);
    QTest::mouseClick(view.plot(), Qt::LeftButton, {}, cell);
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.first().first().toInt(), 4);
    QCOMPARE(view.selectedGroup(), 4);
    // The same layer at a later step keeps the choice; another layer's shape drops it.
    view.setSnapshot(snapshot());
    QCOMPARE(view.selectedGroup(), 4);
    auto other = snapshot();
    other.groupColumns = 1;
    other.groupRows = 6;
    view.setSnapshot(other);
    QCOMPARE(view.selectedGroup(), -1);
    // One group per filter: the lone column spans a cell's width around 0, and a click in it
    // finds its group.
    auto *map = qobject_cast<QCPColorMap *>(view.plot()->plottable(0));
    QCOMPARE(map->data()->keyRange().size(), 1.0);
    QCOMPARE(map->data()->cell(0, 5), double(other.basesOf(5)));
    view.plot()->replot();
    QCOMPARE(view.groupAt(QPointF(view.plot()->xAxis->coordToPixel(0.3),
                                  view.plot()->yAxis->coordToPixel(5))),
             5);
}

QTEST_MAIN(TestBasisMapView)
#include "tst_basis_map_view.moc"
