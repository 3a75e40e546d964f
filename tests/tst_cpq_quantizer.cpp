// SPDX-License-Identifier: MIT
// CPQ's quantizer and bit gates: the categorical assignment is round-to-nearest on the grid; the
// multi-class STE's gradients are those of the expected level (finite differences, in x, the
// step and σ/α; the step's inside a wide grid averaged over a cell, so its noise does not grow
// with the grid); descending them pulls a weight toward its assigned level; DropBits removes
// exactly the levels of the dropped bits; a gate whose regulariser dominates closes and the
// layer's bits fall.
#include "compute_device.h"
#include "quant/bit_gates.h"
#include "quant/cpq_quantizer.h"
#include "quant/uniform_quantizer.h"

#include <QTest>

#include <tuple>

using quantscope::quant::BitGates;
using quantscope::quant::CpqQuantizer;

class TestCpqQuantizer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void assignmentIsRoundToNearest_data();
    void assignmentIsRoundToNearest();
    void gradientIsTheExpectedLevels();
    void stepAndNoiseGradientsMatchFiniteDifferences();
    void stepGradientDoesNotGrowWithTheGrid();
    void descentPullsTowardTheAssignedLevel();
    void largeTensorsGetTheSameGradients();
    void tensorOpsMatchTheLoops_data();
    void tensorOpsMatchTheLoops();
    void dropBitsRemovesExactlyTheDroppedLevels();
    void perChannelSteps();
    void dominatedGateClosesAndBitsFall();
    void gatesNestAndCount();
    void settledAllocationSpendsTheBudget();
};

void TestCpqQuantizer::assignmentIsRoundToNearest_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<bool>("nonNegative");
    for (int b : {2, 3, 4, 8})
        for (bool u : {false, true})
            QTest::addRow("%d bits%s", b, u ? " unsigned" : "") << b << u;
}

void TestCpqQuantizer::assignmentIsRoundToNearest()
{
    QFETCH(int, bits);
    QFETCH(bool, nonNegative);
    const double step = 0.1;
    const CpqQuantizer q(bits, torch::tensor({float(step)}), nonNegative);
    const auto x = torch::linspace(-30, 30, 4001);
    const double low = nonNegative ? 0 : -double(1 << (bits - 1));
    const double high = nonNegative ? double((1 << bits) - 1) : double((1 << (bits - 1)) - 1);
    const auto rtn = step * (x / step).round().clamp(low, high);
    QVERIFY((q.forward(x) - rtn).abs().max().item<double>() < 1e-5);
    const auto g = q.geometry();
    QCOMPARE(g.levels, int64_t(high - low + 1));
    QVERIFY(std::abs(g.low.item<double>() - step * low) < 1e-6);
}

void TestCpqQuantizer::gradientIsTheExpectedLevels()
{
    CpqQuantizer q(3, torch::tensor({0.5f}), false, 0.3);
    const auto x = torch::linspace(-2.7, 2.2, 301).requires_grad_(true);
    q.forward(x).sum().backward();
    // d/dx of E[level] by central differences; large between levels, small on them.
    const double h = 1e-3;
    const auto fd = (q.expected(x.detach() + h) - q.expected(x.detach() - h)) / (2 * h);
    QVERIFY2((x.grad() - fd).abs().max().item<double>() < 2e-2,
             qPrintable(QString::number((x.grad() - fd).abs().max().item<double>())));
    const CpqQuantizer narrow(3, torch::tensor({0.5f}), false, 0.15);
    const auto between = torch::tensor({0.25f}).requires_grad_(true);
    const auto on = torch::tensor({0.5f}).requires_grad_(true);
    narrow.forward(between).sum().backward();
    narrow.forward(on).sum().backward();
    QVERIFY(between.grad().item<double>() > 2 * on.grad().item<double>());
    QVERIFY(on.grad().item<double>() > 0);
    // Far outside the grid the expected level is the end level: no gradient to x.
    const auto far = torch::tensor({40.0f}).requires_grad_(true);
    q.forward(far).sum().backward();
    QVERIFY(std::abs(far.grad().item<double>()) < 1e-6);
}

void TestCpqQuantizer::stepAndNoiseGradientsMatchFiniteDifferences()
{
    // A 3-bit grid lies within the logistic's reach of its ends: every value takes the exact
    // gradient of the expected level.
    const auto x = torch::linspace(-1.9, 1.7, 97);
    const double step = 0.4, ratio = 0.35, h = 1e-3;
    CpqQuantizer q(3, torch::tensor({float(step)}), false, ratio);
    q.forward(x).sum().backward();
    const auto params = q.parameters();
    // ∂x̂/∂α = k* − t·F'(t): the level's own value plus the expected level's move.
    auto expectedSum = [&](double s, double r) {
        return CpqQuantizer(3, torch::tensor({float(s)}), false, r).expected(x).sum().item<double>();
    };
    const auto hard = CpqQuantizer(3, torch::tensor({float(step)}), false, ratio).forward(x);
    const double levels = (hard / step).sum().item<double>();
    const double dE = (expectedSum(step + h, ratio) - expectedSum(step - h, ratio)) / (2 * h);
    const double eOverStep = expectedSum(step, ratio) / step;
    // E = s·F(x/s): dE/ds = F − tF'; the STE's is k* − tF' = dE/ds − F + k*.
    const double wanted = dE - eOverStep + levels;
    QVERIFY2(std::abs(params[0].grad().item<double>() - wanted) < 2e-2 * std::max(1.0, std::abs(wanted)),
             qPrintable(QStringLiteral("%1 vs %2").arg(params[0].grad().item<double>()).arg(wanted)));
    const double dR = (expectedSum(step, ratio + h) - expectedSum(step, ratio - h)) / (2 * h);
    QVERIFY2(std::abs(params[1].grad().item<double>() - dR) < 2e-2 * std::max(1.0, std::abs(dR)),
             qPrintable(QStringLiteral("%1 vs %2").arg(params[1].grad().item<double>()).arg(dR)));
}

void TestCpqQuantizer::stepGradientDoesNotGrowWithTheGrid()
{
    // Inside an 8-bit grid, away from its ends, one value's step gradient is k* − t — the cell
    // average of k* − t·F'(t), which at a small ρ would swing by ±t. Values spread over the
    // interior cells sum to what the exact form sums to.
    const double step = 0.01;
    for (const double t : {3.3, 100.2, -90.45}) {
        CpqQuantizer q(8, torch::tensor({float(step)}), false, 0.1);
        q.forward(torch::tensor({float(t * step)})).sum().backward();
        const double wanted = std::nearbyint(t) - t;
        QVERIFY2(std::abs(q.parameters()[0].grad().item<double>() - wanted) < 1e-3,
                 qPrintable(QStringLiteral("t %1: %2 vs %3").arg(t)
                                .arg(q.parameters()[0].grad().item<double>()).arg(wanted)));
    }
    const auto x = torch::linspace(-0.9, 0.9, 18001); // t from −90 to 90, 100 per cell
    CpqQuantizer q(8, torch::tensor({float(step)}), false, 0.1);
    q.forward(x).sum().backward();
    auto expectedSum = [&](double s) {
        return CpqQuantizer(8, torch::tensor({float(s)}), false, 0.1).expected(x).sum().item<double>();
    };
    const double h = 1e-6;
    const double levels = (q.forward(x).detach() / step).sum().item<double>();
    const double exact = (expectedSum(step + h) - expectedSum(step - h)) / (2 * h) -
                         expectedSum(step) / step + levels;
    const double got = q.parameters()[0].grad().item<double>();
    QVERIFY2(std::abs(got - exact) < 0.02 * x.numel(), qPrintable(QStringLiteral("%1 vs %2").arg(got).arg(exact)));
}

void TestCpqQuantizer::descentPullsTowardTheAssignedLevel()
{
    // Weights between levels, assigned (rounded) to 0 or 1 step: minimising the distance of
    // their expected level from the assigned one moves each toward it.
    const CpqQuantizer q(4, torch::tensor({1.0f}), false, 0.3);
    auto w = torch::tensor({0.3f, 0.45f, 0.6f, 0.8f, -0.35f}).requires_grad_(true);
    const auto assigned = q.forward(w).detach();
    const auto before = (w.detach() - assigned).abs();
    for (int i = 0; i < 50; ++i) {
        const auto x = w.detach().requires_grad_(true);
        const auto e = q.forward(x); // value: the level; gradient: the expected level's
        const auto target = q.expected(x.detach());
        // ∂/∂x ½(E(x) − k*)² = (E − k*)·E'(x), with E' from the STE.
        (e * (target - assigned)).sum().backward();
        w = (w.detach() - 0.2 * x.grad()).requires_grad_(true);
    }
    const auto after = (w.detach() - assigned).abs();
    QVERIFY2((after < before).all().item<bool>(), qPrintable(QStringLiteral("%1").arg(after.max().item<double>())));
    QVERIFY((q.forward(w.detach()) == assigned).all().item<bool>()); // still assigned there
}

void TestCpqQuantizer::largeTensorsGetTheSameGradients()
{
    // A large input's derivatives come from a table; a small one's are evaluated per element.
    torch::manual_seed(3);
    // ρ = 0.06: the narrowest derivatives the table must follow (ρ's floor is 0.05).
    for (const auto &[bits, nonNegative, ratio] : std::vector<std::tuple<int, bool, double>>{
             {4, false, 0.3}, {4, true, 0.3}, {8, true, 0.3}, {4, false, 0.06}, {8, true, 0.06}}) {
        // (8 bits: a grid wide enough that the table folds its interior cells onto one.)
        const float step = bits == 8 ? 0.01f : 0.2f;
        CpqQuantizer big(bits, torch::tensor({step}), nonNegative, ratio);
        CpqQuantizer small(bits, torch::tensor({step}), nonNegative, ratio);
        const auto x = (torch::randn({300000}) * 1.5).requires_grad_(true);
        const auto g = torch::randn({300000});
        (big.forward(x) * g).sum().backward();
        double stepGrad = 0, ratioGrad = 0;
        torch::Tensor gx = torch::empty({300000});
        for (int64_t i = 0; i < 300000; i += 1000) {
            const auto part = x.detach().slice(0, i, i + 1000).clone().requires_grad_(true);
            (small.forward(part) * g.slice(0, i, i + 1000)).sum().backward();
            gx.slice(0, i, i + 1000).copy_(part.grad());
        }
        stepGrad = small.parameters()[0].grad().item<double>();
        ratioGrad = small.parameters()[1].grad().item<double>();
        // Relative to the largest: at small ρ the derivatives' peaks are tall.
        const double error = (x.grad() - gx).abs().max().item<double>();
        QVERIFY2(error < 2e-4 * gx.abs().max().item<double>(),
                 qPrintable(QStringLiteral("%1 of %2").arg(error).arg(gx.abs().max().item<double>())));
        QVERIFY(std::abs(big.parameters()[0].grad().item<double>() - stepGrad) <
                1e-3 * std::max(1.0, std::abs(stepGrad)));
        QVERIFY(std::abs(big.parameters()[1].grad().item<double>() - ratioGrad) <
                1e-3 * std::max(1.0, std::abs(ratioGrad)));
    }
}

void TestCpqQuantizer::dropBitsRemovesExactlyTheDroppedLevels()
{
    const CpqQuantizer q(4, torch::tensor({0.25f}), false);
    const auto x = torch::linspace(-3, 3, 2001);
    for (int drop : {1, 2}) {
        const auto y = q.forward(x, drop);
        // Only multiples of the coarser step, over the same range.
        const auto units = y / (0.25 * (1 << drop));
        QVERIFY((units - units.round()).abs().max().item<double>() < 1e-4);
        QCOMPARE(int64_t(std::get<0>(torch::_unique(y)).numel()), int64_t(1) << (4 - drop));
        QCOMPARE(y.min().item<double>(), -2.0); // the range is kept
    }
    // Per element: rows with and without a dropped level.
    auto drops = torch::zeros({2, 1001}, torch::kInt8);
    drops[1].fill_(1);
    const auto xs = torch::linspace(-2, 2, 1001).repeat({2, 1});
    const auto y = q.forward(xs, drops);
    QVERIFY((y[0] - q.forward(xs[0])).abs().max().item<double>() < 1e-6);
    QVERIFY((y[1] - q.forward(xs[1], 1)).abs().max().item<double>() < 1e-6);
    // The odd levels of the full grid appear only where nothing was dropped.
    const auto odd = ((y / 0.25).round().remainder(2) != 0);
    QVERIFY(odd[0].any().item<bool>());
    QVERIFY(!odd[1].any().item<bool>());
}

void TestCpqQuantizer::perChannelSteps()
{
    const auto w = torch::randn({6, 3, 3, 3}) * torch::arange(1, 7).view({6, 1, 1, 1}).to(torch::kFloat32);
    const auto step = CpqQuantizer::fitWeightStep(w, 4);
    QCOMPARE(step.numel(), int64_t(6));
    QVERIFY(step[5].item<double>() > step[0].item<double>());
    const CpqQuantizer q(4, step, false);
    const auto y = q.forward(w);
    for (int c = 0; c < 6; ++c) {
        const auto units = y[c] / step[c];
        QVERIFY((units - units.round()).abs().max().item<double>() < 1e-3);
    }
    // Reconstruction close to RTN's symmetric grid at 4 bits.
    const double sqnr = 10 * std::log10((w.pow(2).sum() / (w - y).pow(2).sum()).item<double>());
    QVERIFY2(sqnr > 15, qPrintable(QString::number(sqnr)));
}

void TestCpqQuantizer::dominatedGateClosesAndBitsFall()
{
    torch::manual_seed(1);
    BitGates gates(8, 2, 2.0);
    QCOMPARE(gates.bits(), 8);
    auto logits = gates.logits();
    torch::optim::Adam optimizer(std::vector<torch::Tensor>{logits}, torch::optim::AdamOptions(0.1));
    for (int i = 0; i < 200; ++i) {
        optimizer.zero_grad();
        // Only the regulariser: every level costs, none pays.
        (10.0 * gates.expectedBits()).backward();
        optimizer.step();
    }
    QCOMPARE(gates.bits(), 2);
    QVERIFY(gates.expectedBits().item<double>() < 2.5);
    for (double keep : gates.keepProbabilities())
        QVERIFY(keep < 0.5);

    // Settled higher and frozen, the allocation stays put while training goes on: neither
    // Adam's momentum nor the regulariser moves the logits any more.
    gates.keepNextLevel();
    gates.keepNextLevel();
    gates.freeze();
    const auto settled = gates.logits().clone();
    QVERIFY(!gates.expectedBits().requires_grad());
    for (int i = 0; i < 50; ++i) {
        optimizer.zero_grad();
        optimizer.step();
    }
    QCOMPARE(gates.bits(), 4);
    QVERIFY(torch::equal(gates.logits(), settled));
}

void TestCpqQuantizer::settledAllocationSpendsTheBudget()
{
    // A large layer and two small ones, 2…4 bits each, a budget of 3 bits on average (360).
    // Dropping the least confident level first takes the large layer to 2 bits (200 + the small
    // ones' 80 = 280) and nothing fits back; spending the budget means 3 bits for the large one
    // and a choice for the small ones, where the more confident levels win.
    const std::vector<BitGates::Choice> layers{
        {100, 2, 4, {-1.0, -2.0}}, {10, 2, 4, {5.0, 1.0}}, {10, 2, 4, {4.0, 3.0}}};
    const auto bits = BitGates::fullestAllocation(layers, 360);
    QCOMPARE(bits, (std::vector<int>{3, 3, 3}));
    // A budget no allocation reaches exactly: the most it can spend is 350 (3·100 + 3·10 +
    // 2·10), the third layer's level given up rather than the second's more confident one.
    QCOMPARE(BitGates::fullestAllocation(layers, 355), (std::vector<int>{3, 3, 2}));
    // Every layer at its fewest bits already over the budget: nothing fits.
    QVERIFY(BitGates::fullestAllocation(layers, 100).empty());
    // Too many allocations to try: left to the caller's greedy settling.
    const BitGates::Choice wide{10, 1, 8, std::vector<double>(7, 0.0)};
    QVERIFY(BitGates::fullestAllocation(std::vector<BitGates::Choice>(12, wide), 1000).empty());
}

void TestCpqQuantizer::gatesNestAndCount()
{
    BitGates gates(5, 2, 2.0);
    {
        torch::NoGradGuard noGrad;
        gates.logits()[1].fill_(-5.0); // level 4 closed: level 5 goes with it
    }
    QCOMPARE(gates.bits(), 3);
    const auto z = gates.deterministicNested();
    QCOMPARE(z[0].item<double>(), 1.0);
    QCOMPARE(z[1].item<double>(), 0.0);
    QCOMPARE(z[2].item<double>(), 0.0);
    QVERIFY(std::isfinite(gates.topKeptLogit()));
    gates.dropTopLevel();
    QCOMPARE(gates.bits(), 2);
    QVERIFY(std::isinf(gates.topKeptLogit()));
    // Keeping the next level keeps that one alone, even where the levels above it are open
    // (a settle that adds one level must not add three).
    {
        torch::NoGradGuard noGrad;
        gates.logits()[1].fill_(2.0);
    }
    QCOMPARE(gates.bits(), 2);
    gates.keepNextLevel();
    QCOMPARE(gates.bits(), 3);
    // Samples are nested too, and exactly 0 or 1 often.
    int exact = 0;
    for (int i = 0; i < 100; ++i) {
        const auto s = BitGates(5, 2, 0.0).sampleNested();
        QVERIFY((s.slice(0, 1) <= s.slice(0, 0, -1) + 1e-6).all().item<bool>());
        exact += ((s == 0) | (s == 1)).all().item<bool>();
    }
    QVERIFY(exact > 10);
}

void TestCpqQuantizer::tensorOpsMatchTheLoops_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<int>("channels");
    QTest::addColumn<bool>("nonNegative");
    QTest::addColumn<bool>("drops");
    QTest::addColumn<double>("ratio");
    QTest::addColumn<bool>("cuda");
    for (const bool cuda : {false, true}) {
        const char *where = cuda ? ", on a GPU" : ", on the CPU";
        QTest::newRow(qPrintable(QStringLiteral("W2 per channel%1").arg(where)))
            << 2 << 8 << false << false << 0.33 << cuda;
        QTest::newRow(qPrintable(QStringLiteral("W4 per channel, drops%1").arg(where)))
            << 4 << 8 << false << true << 0.2 << cuda;
        QTest::newRow(qPrintable(QStringLiteral("A4 per tensor, narrow noise%1").arg(where)))
            << 4 << 1 << true << false << 0.06 << cuda;
        QTest::newRow(qPrintable(QStringLiteral("A8 per tensor%1").arg(where)))
            << 8 << 1 << true << false << 0.5 << cuda;
    }
}

// The tensor-op path (what a GPU runs) against the CPU's fused loops: values, and the gradients
// of x, the step and ρ. Values beyond both ends of the grid; few enough that the CPU evaluates
// every element's derivatives rather than a table of them, as the tensor ops do.
void TestCpqQuantizer::tensorOpsMatchTheLoops()
{
    QFETCH(int, bits);
    QFETCH(int, channels);
    QFETCH(bool, nonNegative);
    QFETCH(bool, drops);
    QFETCH(double, ratio);
    QFETCH(bool, cuda);
    if (cuda && !quantscope::ComputeDevice::cudaAvailable())
        QSKIP("no CUDA GPU visible to this LibTorch");
    torch::manual_seed(11);
    const auto x = torch::randn({channels, 2400 / channels}) * 0.6 + (nonNegative ? 0.5 : 0.0);
    const auto step = 0.05 + 0.1 * torch::rand({channels});
    const auto probe = torch::randn(x.sizes());
    const auto dropped = (torch::rand(x.sizes()) * bits).floor().clamp(0, bits - 1).to(torch::kInt8);
    std::vector<torch::Tensor> results[2];
    for (int i = 0; i < 2; ++i) {
        const auto device = i == 1 && cuda ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
        CpqQuantizer q(bits, step.to(device), nonNegative, ratio);
        q.setGradientScale(0.3);
        q.setTensorOps(i == 1);
        auto xd = x.to(device).clone().requires_grad_(true); // x itself stays a constant
        const auto y = drops ? q.forward(xd, dropped.to(device)) : q.forward(xd);
        (y * probe.to(device)).sum().backward();
        results[i] = {y.detach().cpu(), xd.grad().cpu(), q.parameters()[0].grad().cpu(),
                      q.parameters()[1].grad().cpu()};
    }
    const char *names[] = {"forward", "x", "step", "ratio"};
    for (size_t k = 0; k < results[0].size(); ++k) {
        const auto &loops = results[0][k], &ops = results[1][k];
        const double tolerance = k == 0 ? 1e-6 : 1e-4 * loops.abs().max().item<double>() + 1e-6;
        const double gap = (loops - ops).abs().max().item<double>();
        QVERIFY2(gap <= tolerance, qPrintable(QStringLiteral("%1: %2 apart (tolerance %3)")
                                                  .arg(QLatin1String(names[k]))
                                                  .arg(gap)
                                                  .arg(tolerance)));
    }
}

QTEST_APPLESS_MAIN(TestCpqQuantizer)
#include "tst_cpq_quantizer.moc"
