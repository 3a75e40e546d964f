// SPDX-License-Identifier: MIT
// DSQ's quantizer: forward exactly on the grid, the soft staircase approaching hard rounding
// as α → 0, clipping, gradients against finite differences, the binary case.
#include "quant/dsq_quantizer.h"

#include <QTest>

using quantscope::quant::DsqQuantizer;

class TestDsqQuantizer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void forwardIsOnTheGrid_data();
    void forwardIsOnTheGrid();
    void alphaToZeroIsHardRounding();
    void clipsOutsideTheRange();
    void gradientMatchesFiniteDifferences();
    void alphaGradientMatchesFiniteDifferences();
    void binary();
    void constrainKeepsAlphaInRange();
};

void TestDsqQuantizer::forwardIsOnTheGrid_data()
{
    QTest::addColumn<int>("bits");
    for (int b : {2, 3, 4, 8})
        QTest::addRow("%d bits", b) << b;
}

void TestDsqQuantizer::forwardIsOnTheGrid()
{
    QFETCH(int, bits);
    const DsqQuantizer q(bits, -1.0, 2.0, 0.2);
    const auto x = torch::linspace(-1.5, 2.5, 1001);
    const auto y = q.forward(x);
    const double delta = 3.0 / ((1 << bits) - 1);
    // Every output is a level, and the level nearest the clipped input (ties either way).
    const auto steps = (y + 1.0) / delta;
    QVERIFY((steps - steps.round()).abs().max().item<double>() < 1e-3);
    QVERIFY((y - x.clamp(-1.0, 2.0)).abs().max().item<double>() <= delta / 2 + 1e-4);
    QCOMPARE(int(q.levels().size()), 1 << bits);
}

void TestDsqQuantizer::alphaToZeroIsHardRounding()
{
    const auto x = torch::rand({2000}) * 3 - 1;
    double previousGap = 1e9;
    for (double alpha : {0.5, 0.2, 0.05, 0.01, DsqQuantizer::kAlphaMin}) {
        const DsqQuantizer q(2, -1.0, 2.0, alpha);
        const double gap = (q.soft(x) - q.forward(x)).abs().mean().item<double>();
        QVERIFY2(gap < previousGap, qPrintable(QStringLiteral("α %1: gap %2").arg(alpha).arg(gap)));
        previousGap = gap;
    }
    // The gap closes only logarithmically in α (the soft band is ~2Δ/ln(2/α) wide).
    QVERIFY2(previousGap < 0.1, qPrintable(QString::number(previousGap))); // Δ = 1
    // Away from the rounding thresholds the soft value is the hard value.
    const DsqQuantizer q(2, -1.0, 2.0, DsqQuantizer::kAlphaMin);
    const auto nearLevels = torch::tensor({-0.95f, 0.05f, 0.97f, 1.96f});
    QVERIFY((q.soft(nearLevels) - q.forward(nearLevels)).abs().max().item<double>() < 1e-3);
}

void TestDsqQuantizer::clipsOutsideTheRange()
{
    const DsqQuantizer q(3, -1.0, 1.0, 0.2);
    auto x = torch::tensor({-3.f, -1.5f, 0.1f, 1.5f, 4.f}).requires_grad_(true);
    const auto y = q.forward(x);
    QCOMPARE(y[0].item<float>(), -1.f);
    QCOMPARE(y[4].item<float>(), 1.f);
    y.sum().backward();
    QCOMPARE(x.grad()[0].item<float>(), 0.f);
    QCOMPARE(x.grad()[3].item<float>(), 0.f);
    QVERIFY(x.grad()[2].item<float>() > 0.f);
    // Clipped values pass their gradient to the bound they hit: two to u, one to l.
    const DsqQuantizer bounds(3, -1.0, 1.0, 0.2);
    bounds.forward(torch::tensor({-3.f, 1.5f, 4.f})).sum().backward();
    const auto params = bounds.parameters();
    QCOMPARE(params.size(), size_t(3));
    QVERIFY(std::abs(params[0].grad().item<double>() - 1.0) < 1e-5);
    QVERIFY(std::abs(params[1].grad().item<double>() - 2.0) < 1e-5);
}

void TestDsqQuantizer::gradientMatchesFiniteDifferences()
{
    const DsqQuantizer q(2, -1.0, 2.0, 0.2);
    auto x = torch::linspace(-0.9, 1.9, 57).to(torch::kFloat64).to(torch::kFloat32)
                 .requires_grad_(true);
    q.forward(x).sum().backward();
    const double h = 1e-3;
    const auto numeric = (q.soft(x.detach() + h) - q.soft(x.detach() - h)) / (2 * h);
    const auto error = (x.grad() - numeric).abs().max().item<double>();
    QVERIFY2(error < 2e-2, qPrintable(QString::number(error)));
    // The surrogate's mean slope over an interval is 1, like the STE's, but it peaks at the
    // rounding thresholds (ALGORITHMS-NOTES §1.2: 1.37 at α = 0.2).
    QVERIFY(std::abs(x.grad().max().item<double>() - 1.37) < 0.05);
}

void TestDsqQuantizer::alphaGradientMatchesFiniteDifferences()
{
    const auto x = torch::linspace(-0.9, 1.9, 41);
    const DsqQuantizer q(2, -1.0, 2.0, 0.2);
    q.forward(x).sum().backward();
    const double analytic = q.parameters()[2].grad().item<double>();
    const double h = 1e-3;
    const double numeric = (DsqQuantizer(2, -1.0, 2.0, 0.2 + h).soft(x).sum().item<double>() -
                            DsqQuantizer(2, -1.0, 2.0, 0.2 - h).soft(x).sum().item<double>()) /
                           (2 * h);
    QVERIFY2(std::abs(analytic - numeric) < 1e-2 * std::max(1.0, std::abs(numeric)),
             qPrintable(QStringLiteral("%1 vs %2").arg(analytic).arg(numeric)));
}

void TestDsqQuantizer::binary()
{
    const DsqQuantizer q(1, -0.5, 0.5, 0.2);
    const auto y = q.forward(torch::tensor({-2.f, -0.1f, 0.1f, 0.3f}));
    QVERIFY(torch::equal(y, torch::tensor({-0.5f, -0.5f, 0.5f, 0.5f})));
    QCOMPARE(q.levels(), (std::vector<double>{-0.5, 0.5}));
}

void TestDsqQuantizer::constrainKeepsAlphaInRange()
{
    DsqQuantizer q(2, 0.0, 1.0, 0.2, true);
    QCOMPARE(q.parameters().size(), size_t(2)); // the lower bound is fixed
    {
        torch::NoGradGuard noGrad;
        q.parameters()[1].fill_(0.9);
        q.parameters()[0].fill_(-5);
    }
    q.constrain();
    QCOMPARE(q.alpha(), 0.5);
    QVERIFY(q.upper() > q.lower());
    QCOMPARE(q.toGrid().zeroPoint.item<double>(), 0.0);
    // A grid that does not contain zero converts exactly too.
    const DsqQuantizer shifted(2, 0.25, 1.75, 0.2);
    const auto x = torch::linspace(0.01, 2.01, 101); // off the rounding ties
    QVERIFY(torch::allclose(shifted.toGrid().fakeQuantize(x), shifted.forward(x), 1e-5, 1e-5));
}

QTEST_GUILESS_MAIN(TestDsqQuantizer)
#include "tst_dsq_quantizer.moc"
