// SPDX-License-Identifier: MIT
// GridUnits: every channel's quantized weights land on integers in grid units, the exact level
// counts add up to the weight count, and the clustered share is 1 on the grid and about a fifth
// for weights spread uniformly; snapshots of every method carry them.
#include "analysis/grid_units.h"
#include "quant/dsq_quantizer.h"
#include "quant/uniform_quantizer.h"

#include <QTest>

#include <numeric>

using namespace quantscope;

class TestGridUnits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void quantizedWeightsLandOnIntegers_data();
    void quantizedWeightsLandOnIntegers();
    void levelCountsAddUp();
    void uniformWeightsAreAFifthClustered();
    void dsqGeometryMatchesItsLevels();
    void fillsASnapshot();

private:
    // A 2-bit per-channel grid fitted to w, as RTN and BRECQ fit theirs.
    static quant::QuantGrid twoBitGrid(const torch::Tensor &w)
    {
        quant::WeightGridOptions options;
        options.bits = 2;
        return quant::UniformQuantizer::fitWeight(w, options);
    }
};

void TestGridUnits::quantizedWeightsLandOnIntegers_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<bool>("perChannel");
    QTest::addColumn<bool>("symmetric");
    for (int bits : {1, 2, 3, 4, 8})
        for (bool perChannel : {true, false}) {
            QTest::addRow("W%d %s asym", bits, perChannel ? "per-channel" : "per-tensor")
                << bits << perChannel << false;
            QTest::addRow("W%d %s sym", bits, perChannel ? "per-channel" : "per-tensor")
                << bits << perChannel << true;
        }
}

void TestGridUnits::quantizedWeightsLandOnIntegers()
{
    QFETCH(int, bits);
    QFETCH(bool, perChannel);
    QFETCH(bool, symmetric);
    // Random grids: channels of different scales and offsets, over ten seeds.
    for (int seed = 0; seed < 10; ++seed) {
        torch::manual_seed(seed);
        const auto scales = torch::rand({12, 1, 1, 1}) * 2 + 0.05;
        const auto offsets = torch::randn({12, 1, 1, 1}) * 0.3;
        const auto w = torch::randn({12, 5, 3, 3}) * scales + offsets;
        quant::WeightGridOptions options;
        options.bits = bits;
        options.perChannel = perChannel;
        options.symmetric = symmetric;
        const auto grid = quant::UniformQuantizer::fitWeight(w, options);
        const auto q = grid.fakeQuantize(w).detach();
        const auto geometry = grid.geometry();
        const auto units = analysis::GridUnits::transform(q, geometry);
        QCOMPARE(units.size(0), perChannel ? int64_t(12) : int64_t(1));
        const double offGrid = (units - units.round()).abs().max().item<double>();
        QVERIFY2(offGrid < 1e-3, qPrintable(QStringLiteral("seed %1: %2 off").arg(seed).arg(offGrid)));
        QVERIFY(units.min().item<double>() > -1e-3);
        QVERIFY(units.max().item<double>() < double(geometry.levels) - 1 + 1e-3);
        QCOMPARE(analysis::GridUnits::clusteredShare(units, geometry.levels), 1.0);
    }
}

void TestGridUnits::levelCountsAddUp()
{
    torch::manual_seed(3);
    const auto w = torch::randn({16, 8, 3, 3});
    const auto grid = twoBitGrid(w);
    const auto units = analysis::GridUnits::transform(w, grid.geometry());
    const auto counts = analysis::GridUnits::levelCounts(units, 4);
    QCOMPARE(counts.size(), size_t(4));
    QCOMPARE(std::accumulate(counts.begin(), counts.end(), 0.0), double(w.numel()));
    // The counts are the codes of the quantized weights, exactly.
    const auto q = analysis::GridUnits::transform(grid.fakeQuantize(w).detach(), grid.geometry());
    const auto exact = torch::bincount(q.round().flatten().to(torch::kInt64), {}, 4);
    for (int k = 0; k < 4; ++k)
        QCOMPARE(counts[size_t(k)], double(exact[k].item<int64_t>()));
}

void TestGridUnits::uniformWeightsAreAFifthClustered()
{
    // Uniform over the clip range [−½, L − ½]: a tenth of a step each side of a level is a fifth.
    torch::manual_seed(7);
    for (int64_t levels : {2, 4, 16}) {
        const auto units = torch::rand({4, 50000}) * double(levels) - 0.5;
        const double share = analysis::GridUnits::clusteredShare(units, levels);
        QVERIFY2(std::abs(share - 0.2) < 0.01, qPrintable(QString::number(share)));
    }
}

void TestGridUnits::dsqGeometryMatchesItsLevels()
{
    const quant::DsqQuantizer q(2, torch::tensor({-1.0f, -0.5f}), torch::tensor({2.0f, 0.5f}), 0.2);
    const auto g = q.geometry();
    QCOMPARE(g.levels, int64_t(4));
    for (int64_t c = 0; c < 2; ++c) {
        const auto levels = q.levels(c);
        for (int k = 0; k < 4; ++k)
            QVERIFY(std::abs(g.low[c].item<double>() + k * g.step[c].item<double>() -
                             levels[size_t(k)]) < 1e-6);
    }
}

void TestGridUnits::fillsASnapshot()
{
    torch::manual_seed(5);
    const auto w = torch::randn({6, 4, 3, 3});
    const auto grid = twoBitGrid(w);
    jobs::LayerSnapshot s;
    analysis::GridUnits::fill(s, w, grid.geometry());
    QVERIFY(s.hasGridUnits());
    QCOMPARE(s.levelCount, 4);
    QCOMPARE(s.unitEdges.size(), s.unitCounts.size() + 1);
    QCOMPARE(s.unitEdges.front(), -1.0);
    QCOMPARE(s.unitEdges.back(), 4.0);
    const double binned = std::accumulate(s.unitCounts.begin(), s.unitCounts.end(), 0.0);
    QCOMPARE(binned + double(s.outsideCount), double(w.numel()));
    QCOMPARE(std::accumulate(s.levelCounts.begin(), s.levelCounts.end(), 0.0), double(w.numel()));
    QCOMPARE(s.channelCount(), int64_t(6));
    QCOMPARE(s.channelCounts.size(), size_t(6 * s.channelBins));
    QVERIFY(s.clusteredShare > 0 && s.clusteredShare < 1);
    // Each channel's coarse histogram holds that channel's weights (those inside the range).
    for (int c = 0; c < 6; ++c) {
        const auto first = s.channelCounts.begin() + c * s.channelBins;
        const double inRow = std::accumulate(first, first + s.channelBins, 0.0);
        QVERIFY(inRow <= 36 && inRow >= 30);
    }
}

QTEST_GUILESS_MAIN(TestGridUnits)
#include "tst_grid_units.moc"
