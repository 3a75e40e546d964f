// SPDX-License-Identifier: MIT
// BasisPruner: the least important bases go first across layers until the budget is spent;
// pruned bases are never chosen again; the round targets run geometrically to the target; and
// pruning a layer batch by batch with those budgets lands within one basis of the target.
#include "quant/basis_pruner.h"
#include "quant/binary_basis_layer.h"

#include <QTest>

using namespace quantscope;
using quant::BasisPruner;

class TestBasisPruner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void leastImportantFirstAcrossLayers();
    void roundTargetsAreGeometric();
    void batchBudgetsReachTheTarget();
};

void TestBasisPruner::leastImportantFirstAcrossLayers()
{
    const float inf = std::numeric_limits<float>::infinity();
    const auto a = torch::tensor({0.5f, inf, 0.1f, 2.0f}).view({2, 2});
    const auto b = torch::tensor({0.3f, 0.2f}).view({1, 2});
    // Costs 1 and 10: 0.1 (a) and 0.2 (b) reach a budget of 5 bits.
    auto chosen = BasisPruner::select({a, b}, {1, 10}, 5);
    QCOMPARE(chosen[0], std::vector<int64_t>{2});
    QCOMPARE(chosen[1], std::vector<int64_t>{1});
    // Everything finite when the budget is huge; never the pruned (∞) slot.
    chosen = BasisPruner::select({a, b}, {1, 10}, 1e9);
    QCOMPARE(chosen[0].size(), size_t(3));
    QVERIFY(std::find(chosen[0].begin(), chosen[0].end(), 1) == chosen[0].end());
    QVERIFY(BasisPruner::select({a, b}, {1, 10}, 0)[0].empty());
}

void TestBasisPruner::roundTargetsAreGeometric()
{
    QCOMPARE(BasisPruner::roundTarget(8, 2, 3, 3), 2.0);
    QVERIFY(std::abs(BasisPruner::roundTarget(8, 2, 1, 2) - 4.0) < 1e-12);
    QVERIFY(std::abs(BasisPruner::roundTarget(8, 0.5, 2, 4) - 2.0) < 1e-12);
    QCOMPARE(BasisPruner::roundTarget(2, 3, 1, 3), 3.0); // nothing to prune
}

void TestBasisPruner::batchBudgetsReachTheTarget()
{
    torch::manual_seed(6);
    const auto w = torch::randn({16, 8, 3, 3});
    quant::BinaryBasisLayer l(w, quant::BasisGrouping::Pixel, 4);
    const double params = double(w.numel());
    for (double target : {2.0, 1.0, 0.7, 0.3}) {
        const double goal = target * params;
        const int64_t batches = 7;
        for (int64_t b = 0; b < batches; ++b) {
            const double current = double(l.activeBases() * l.groupSize());
            const double budget = BasisPruner::batchBudget(current, goal, batches - b);
            const auto importance = torch::where(l.mask() > 0, torch::rand_like(l.scales()),
                                                 torch::full_like(l.scales(), INFINITY));
            l.prune(BasisPruner::select({importance}, {l.groupSize()}, budget)[0]);
        }
        // Within one group's worth (one basis of one group) of the target.
        QVERIFY2(std::abs(l.averageBits() - target) <= 1.0 / double(l.groupCount()) + 1e-9,
                 qPrintable(QString("%1 for %2").arg(l.averageBits()).arg(target)));
    }
}

QTEST_GUILESS_MAIN(TestBasisPruner)
#include "tst_basis_pruner.moc"
