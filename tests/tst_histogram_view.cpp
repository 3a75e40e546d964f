// SPDX-License-Identifier: MIT
// HistogramView and its helpers: raw weights are binned (and re-binned) with every weight
// counted, snapshots draw their own bins, grid levels become lines, and plots export to
// PNG, PDF and SVG.
#include "histogram_view.h"
#include "plot_exporter.h"
#include "weight_binner.h"

#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <numeric>
#include <random>

using namespace quantscope;
using widgets::HistogramView;
using widgets::PlotExporter;
using widgets::WeightBinner;

class TestHistogramView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void binnerCountsEveryWeight();
    void binnerWidensToTheGrid();
    void weightsAreRebinned();
    void snapshotKeepsItsBins();
    void exportsPngPdfSvg();

private:
    static std::vector<float> gaussian(size_t n)
    {
        std::mt19937 rng(7);
        std::normal_distribution<float> dist(0.f, 0.1f);
        std::vector<float> w(n);
        for (auto &x : w)
            x = dist(rng);
        return w;
    }
};

void TestHistogramView::binnerCountsEveryWeight()
{
    const auto w = gaussian(10000);
    const auto binned = WeightBinner::bin(w, 50);
    QCOMPARE(binned.counts.size(), size_t(50));
    QCOMPARE(binned.edges.size(), size_t(51));
    QCOMPARE(std::accumulate(binned.counts.begin(), binned.counts.end(), 0.0), 10000.0);
    QCOMPARE(binned.edges.front(), double(*std::min_element(w.begin(), w.end())));
    QCOMPARE(binned.edges.back(), double(*std::max_element(w.begin(), w.end())));
    // The centre of a zero-mean Gaussian is fuller than its tails.
    QVERIFY(binned.counts[25] > 10 * binned.counts[0]);
    QVERIFY(WeightBinner::bin({}, 10).counts.empty());
}

void TestHistogramView::binnerWidensToTheGrid()
{
    const auto binned = WeightBinner::bin({0.1f, 0.2f, 0.3f}, 4, {-1.0, 1.0});
    QCOMPARE(binned.edges.front(), -1.0);
    QCOMPARE(binned.edges.back(), 1.0);
    QCOMPARE(binned.counts[2], 3.0); // all three in [0, 0.5)
}

void TestHistogramView::weightsAreRebinned()
{
    HistogramView view;
    view.resize(600, 400);
    view.setWeights(gaussian(5000), {-0.3, -0.1, 0.1, 0.3}, QStringLiteral("conv1"));
    QCOMPARE(view.binCount(), 128);
    QCOMPARE(view.gridLines(), (std::vector<double>{-0.3, -0.1, 0.1, 0.3}));
    view.setBinCount(64);
    QCOMPARE(view.binCount(), 64);
    view.clear();
    QCOMPARE(view.binCount(), 0);
    QVERIFY(view.gridLines().empty());
}

void TestHistogramView::snapshotKeepsItsBins()
{
    jobs::LayerSnapshot s;
    s.layerName = "layer1.conv1";
    for (int i = 0; i <= 32; ++i)
        s.binEdges.push_back(-1.0 + i / 16.0);
    s.counts.assign(32, 3.0);
    for (int i = 0; i < 16; ++i) // 4-bit grid, given unsorted on purpose
        s.gridLevels.push_back((i % 2 ? 1 : -1) * (i / 16.0));
    s.bits = 4;
    HistogramView view;
    view.setSnapshot(s, QStringLiteral("snapshot"));
    QCOMPARE(view.binCount(), 32);
    const auto lines = view.gridLines();
    QCOMPARE(lines.size(), size_t(16));
    QVERIFY(std::is_sorted(lines.begin(), lines.end()));
    view.setBinCount(200); // no raw weights: the snapshot's bins stay
    QCOMPARE(view.binCount(), 32);
}

void TestHistogramView::exportsPngPdfSvg()
{
    QTemporaryDir dir;
    HistogramView view;
    view.resize(600, 400);
    view.setWeights(gaussian(2000), {0.0}, QStringLiteral("fc"));
    for (const char *name : {"h.png", "h.pdf", "h.svg"}) {
        QString error;
        QVERIFY2(PlotExporter::save(view.plot(), dir.filePath(QLatin1String(name)), &error),
                 qPrintable(error));
        QVERIFY(QFile(dir.filePath(QLatin1String(name))).size() > 1000);
    }
    const QImage png(dir.filePath(QStringLiteral("h.png")));
    QCOMPARE(png.size(), QSize(1800, 1120)); // 900×560 at scale 2
    QFile svg(dir.filePath(QStringLiteral("h.svg")));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray text = svg.readAll();
    QVERIFY(text.contains("<svg"));
    QVERIFY(text.contains("weight value")); // axis labels survive as text
    QFile pdf(dir.filePath(QStringLiteral("h.pdf")));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");
    QString error;
    QVERIFY(!PlotExporter::save(view.plot(), dir.filePath(QStringLiteral("h.bmpx")), &error));
    QVERIFY(error.contains(QStringLiteral(".png")));
}

QTEST_MAIN(TestHistogramView)
#include "tst_histogram_view.moc"
