// SPDX-License-Identifier: MIT
// HistogramView and its helpers: raw weights are binned (and re-binned) with every weight
// counted, snapshots draw their own bins, grid levels become lines, grid units put every code on
// its integer with exact counts, one channel shows in weight values, and plots export to PNG,
// PDF and SVG.
#include "histogram_view.h"
#include "plot_exporter.h"
#include "weight_binner.h"

#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
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
    void gridUnitsShowCodesAndExactCounts();
    void weightValueShowsOneChannel();
    void perTensorGridDefaultsToWeightValue();
    void chosenAxisStaysForTheNextSnapshot();
    void exportsPngPdfSvg();

private:
    // A 2-bit snapshot of 3 channels in grid units: channel 1 is the widest.
    static jobs::LayerSnapshot gridSnapshot(int channels = 3)
    {
        jobs::LayerSnapshot s;
        s.layerName = "layer3.conv2";
        s.bits = 2;
        s.levelCount = 4;
        for (int i = 0; i <= 20; ++i)
            s.unitEdges.push_back(-1.0 + i * 0.25);
        s.unitCounts.assign(20, 2.0);
        s.levelCounts = {10, 20, 30, 40};
        s.clusteredShare = 0.4;
        s.channelBins = 4;
        for (int c = 0; c < channels; ++c) {
            s.channelLow.push_back(-0.1 * (c + 1));
            s.channelStep.push_back(c == 1 ? 0.5 : 0.1 * (c + 1));
            for (int b = 0; b < 4; ++b)
                s.channelCounts.push_back(c * 10 + b);
        }
        s.gridLevels = {-1, 0, 1, 2}; // what a method drew before grid units: ignored here
        return s;
    }
    static bool near(const std::vector<double> &a, const std::vector<double> &b)
    {
        if (a.size() != b.size())
            return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (std::abs(a[i] - b[i]) > 1e-9)
                return false;
        return true;
    }
    static std::vector<double> keys(const std::vector<std::pair<double, double>> &bars)
    {
        std::vector<double> k;
        for (const auto &b : bars)
            k.push_back(b.first);
        return k;
    }
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

void TestHistogramView::gridUnitsShowCodesAndExactCounts()
{
    HistogramView view;
    view.resize(600, 400);
    view.setSnapshot(gridSnapshot(), QStringLiteral("snapshot"));
    QCOMPARE(view.axis(), HistogramView::Axis::GridUnits); // per-channel grids: the default
    QCOMPARE(view.gridLines(), (std::vector<double>{0, 1, 2, 3}));
    QCOMPARE(view.binCount(), 20);
    const auto bars = view.levelBars();
    QCOMPARE(bars.size(), size_t(4));
    for (int k = 0; k < 4; ++k) { // at the integer codes, with the stored counts
        QCOMPARE(bars[size_t(k)].first, double(k));
        QCOMPARE(bars[size_t(k)].second, 10.0 * (k + 1));
    }
    QVERIFY(view.axisLabel().startsWith(QStringLiteral("grid units")));
    QVERIFY(view.title().contains(QStringLiteral("all 3 channels on their own grids")));
}

void TestHistogramView::weightValueShowsOneChannel()
{
    HistogramView view;
    view.setSnapshot(gridSnapshot(), QStringLiteral("snapshot"));
    view.setAxis(HistogramView::Axis::WeightValue);
    QCOMPARE(view.channel(), 1); // the picker starts at the widest channel
    QVERIFY(near(view.gridLines(), {-0.2, 0.3, 0.8, 1.3}));
    QCOMPARE(view.binCount(), 4); // that channel's own coarse histogram
    QVERIFY(view.levelBars().empty());
    QCOMPARE(view.axisLabel(), QStringLiteral("weight value"));
    view.setChannel(2);
    QVERIFY(near(view.gridLines(), {-0.3, 0.0, 0.3, 0.6}));
    QVERIFY(view.title().contains(QStringLiteral("channel 2 of 3")));
}

void TestHistogramView::perTensorGridDefaultsToWeightValue()
{
    HistogramView view;
    view.setSnapshot(gridSnapshot(1), QStringLiteral("snapshot"));
    QCOMPARE(view.axis(), HistogramView::Axis::WeightValue);
    // One grid: the layer's full histogram and its exact counts, at the real level values.
    QCOMPARE(view.binCount(), 20);
    QCOMPARE(keys(view.levelBars()), view.gridLines());
    QCOMPARE(view.levelBars()[3].second, 40.0);
}

void TestHistogramView::chosenAxisStaysForTheNextSnapshot()
{
    HistogramView view;
    view.setSnapshot(gridSnapshot(), QStringLiteral("step 0"));
    view.setAxis(HistogramView::Axis::WeightValue);
    view.setChannel(2);
    auto next = gridSnapshot();
    next.step = 50;
    view.setSnapshot(next, QStringLiteral("step 50"));
    QCOMPARE(view.axis(), HistogramView::Axis::WeightValue);
    QCOMPARE(view.channel(), 2); // same layer: the picked channel stays
    // A snapshot stored before grid units existed falls back to the method's own levels.
    jobs::LayerSnapshot old;
    old.binEdges = {0, 1, 2};
    old.counts = {1, 1};
    old.gridLevels = {0.5, 1.5};
    view.setSnapshot(old, QStringLiteral("old"));
    QCOMPARE(view.gridLines(), (std::vector<double>{0.5, 1.5}));
    QVERIFY(view.levelBars().empty());
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
