// SPDX-License-Identifier: MIT
// BinaryBasisLayer: the groupings round-trip a weight; greedy residual binarisation reproduces a
// group exactly once it has as many bases as weights, and its residual never grows with another
// basis; the basis step never raises the weighted error it minimises; a pruned group is exactly
// zero and its value set is {0}; a group's value set is every sign combination of its scales.
#include "jobs/layer_snapshot.h"
#include "quant/binary_basis_layer.h"

#include <QTest>

using namespace quantscope;
using quant::BasisGrouping;
using quant::BinaryBasisLayer;

namespace {
// The groups as a snapshot carries them to the GUI.
jobs::LayerSnapshot snapshotOf(const BinaryBasisLayer &l)
{
    jobs::LayerSnapshot s;
    l.describe(s);
    return s;
}
} // namespace

class TestBinaryBasisLayer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void groupingsRoundTrip();
    void greedyIsExactWithEnoughBases();
    void greedyResidualFallsMonotonically();
    void basisStepNeverRaisesTheWeightedError();
    void prunedGroupIsExactlyZero();
    void valueSetHoldsEverySignCombination();
};

void TestBinaryBasisLayer::groupingsRoundTrip()
{
    torch::manual_seed(1);
    const auto w = torch::randn({4, 3, 3, 3});
    for (auto g : {BasisGrouping::Channel, BasisGrouping::Pixel, BasisGrouping::Kernel}) {
        const BinaryBasisLayer l(w, g, 2);
        QVERIFY(torch::equal(l.fromGroups(l.toGroups(w)), w));
        QCOMPARE(l.rows(), int64_t(4));
    }
    QCOMPARE(BinaryBasisLayer(w, BasisGrouping::Pixel, 2).groupSize(), int64_t(3));
    QCOMPARE(BinaryBasisLayer(w, BasisGrouping::Pixel, 2).columns(), int64_t(9));
    const auto fc = torch::randn({5, 8});
    const BinaryBasisLayer pieces(fc, BasisGrouping::SubChannel, 2, 2);
    QCOMPARE(pieces.groupCount(), int64_t(10));
    QCOMPARE(BinaryBasisLayer(fc, BasisGrouping::SubChannel, 2, 3).groupCount(), int64_t(5));
    QVERIFY_THROWS_EXCEPTION(std::exception, BinaryBasisLayer(fc, BasisGrouping::Pixel, 2));
}

void TestBinaryBasisLayer::greedyIsExactWithEnoughBases()
{
    torch::manual_seed(2);
    const auto w = torch::randn({6, 4, 1, 1}); // pixel groups of 4 weights
    const BinaryBasisLayer l(w, BasisGrouping::Pixel, 8);
    QCOMPARE(l.maxBases(), 4); // never more bases than weights in a group
    QVERIFY(torch::allclose(l.reconstruct(), w, 1e-4, 1e-5));
    QVERIFY((l.scales() >= 0).all().item<bool>());
    // One basis: α = mean|w|, β = sign(w) — the L2-optimal binarisation.
    const BinaryBasisLayer one(w, BasisGrouping::Channel, 1);
    const auto expected = w.abs().mean({1, 2, 3}, true) * torch::where(w >= 0, 1.0f, -1.0f);
    QVERIFY(torch::allclose(one.reconstruct(), expected, 1e-5, 1e-6));
    QCOMPARE(one.averageBits(), 1.0);
}

void TestBinaryBasisLayer::greedyResidualFallsMonotonically()
{
    torch::manual_seed(3);
    const auto w = torch::randn({8, 16, 3, 3});
    double previous = w.square().sum().item<double>();
    for (int bases = 1; bases <= 6; ++bases) {
        const BinaryBasisLayer l(w, BasisGrouping::Pixel, bases);
        const double residual = (l.reconstruct() - w).square().sum().item<double>();
        QVERIFY2(residual < previous, qPrintable(QString::number(bases)));
        previous = residual;
        QCOMPARE(l.averageBits(), double(bases));
    }
    QVERIFY(previous < 0.01 * w.square().sum().item<double>());
}

void TestBinaryBasisLayer::basisStepNeverRaisesTheWeightedError()
{
    torch::manual_seed(4);
    const auto w = torch::randn({8, 16, 3, 3});
    BinaryBasisLayer l(w, BasisGrouping::Pixel, 3);
    for (int trial = 0; trial < 5; ++trial) {
        const auto target = l.reconstruct() + 0.3 * torch::randn_like(w);
        const auto curvature = torch::rand_like(w) + 0.01;
        const double before = l.weightedError(target, curvature);
        l.basisStep(target, curvature);
        const double after = l.weightedError(target, curvature);
        QVERIFY2(after <= before * (1 + 1e-5), qPrintable(QString("%1 > %2").arg(after).arg(before)));
        QVERIFY((l.scales() >= 0).all().item<bool>());
    }
    // A target on the layer's own value set is a fixed point.
    const auto exact = l.reconstruct();
    l.basisStep(exact, torch::ones_like(w));
    QVERIFY(torch::allclose(l.reconstruct(), exact, 1e-4, 1e-5));
}

void TestBinaryBasisLayer::prunedGroupIsExactlyZero()
{
    torch::manual_seed(5);
    const auto w = torch::randn({2, 4, 3, 3});
    BinaryBasisLayer l(w, BasisGrouping::Channel, 2);
    l.prune({0, 1}); // both bases of group 0
    QCOMPARE(l.basesPerGroup()[0].item<int64_t>(), int64_t(0));
    const auto recon = l.reconstruct();
    QVERIFY(recon[0].eq(0).all().item<bool>());
    QVERIFY(recon[1].ne(0).all().item<bool>());
    QCOMPARE(l.averageBits(), 1.0);
    // Steps keep it at zero: its α has nothing to fit.
    l.basisStep(w, torch::ones_like(w));
    QVERIFY(l.reconstruct()[0].eq(0).all().item<bool>());
    QCOMPARE(snapshotOf(l).groupValueSet(0), std::vector<double>{0.0});
}

void TestBinaryBasisLayer::valueSetHoldsEverySignCombination()
{
    const auto w = torch::tensor({3.0f, 1.0f, -1.0f, -3.0f}).view({1, 4});
    const BinaryBasisLayer l(w, BasisGrouping::SubChannel, 2);
    const auto values = snapshotOf(l).groupValueSet(0);
    QCOMPARE(values.size(), size_t(4));
    for (size_t i = 0; i < values.size(); ++i)
        QVERIFY(std::abs(values[i] - (2.0 * double(i) - 3.0)) < 1e-5);
}

QTEST_GUILESS_MAIN(TestBinaryBasisLayer)
#include "tst_binary_basis_layer.moc"
