// SPDX-License-Identifier: MIT
// DSQ's quantizer: forward exactly on the grid, the soft staircase approaching hard rounding
// as α → 0, clipping, gradients against finite differences, the binary case, one range per
// channel, the gradient scale of the quantizer's own parameters, and the fused forward and
// backward against the same quantizer composed of tensor ops.
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
    void perChannelRanges();
    void gradientScaleKeepsValues();
    void constrainKeepsAlphaInRange();
    void fusedFunctionMatchesComposedOps_data();
    void fusedFunctionMatchesComposedOps();
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

void TestDsqQuantizer::perChannelRanges()
{
    // Channel 0 on [-1, 2], channel 1 on [0, 0.3]: each row lands on its own grid, exactly as a
    // per-tensor quantizer of that range would put it.
    const DsqQuantizer q(2, torch::tensor({-1.f, 0.f}), torch::tensor({2.f, 0.3f}), 0.2);
    QCOMPARE(q.channels(), int64_t(2));
    const auto x = torch::stack({torch::linspace(-1.5, 2.5, 37), torch::linspace(-0.1, 0.4, 37)})
                       .view({2, 37, 1, 1});
    const auto y = q.forward(x);
    QVERIFY(torch::allclose(y[0].flatten(), DsqQuantizer(2, -1.0, 2.0, 0.2).forward(x[0].flatten())));
    QVERIFY(torch::allclose(y[1].flatten(), DsqQuantizer(2, 0.0, 0.3, 0.2).forward(x[1].flatten())));
    QCOMPARE(q.widestChannel(), int64_t(0));
    // Clipped = more than half a step (0.5 and 0.05) beyond the range: the outer value of each
    // pair on either side.
    const auto beyond = torch::tensor({-1.6f, -1.4f, 2.4f, 2.6f, -0.06f, -0.04f, 0.34f, 0.36f});
    QCOMPARE(q.clippedShare(beyond.view({2, 4})), 0.5);
    QCOMPARE(q.clippedShare(q.forward(x)), 0.0); // grid values, the range's ends included
    const auto levels = q.levels(1);
    QCOMPARE(int(levels.size()), 4);
    QVERIFY(std::abs(levels[3] - 0.3) < 1e-6 && std::abs(levels[1] - 0.1) < 1e-6);
    // Each channel's clipped values teach only that channel's bounds.
    y.sum().backward();
    const auto upper = q.parameters()[1].grad();
    QCOMPARE(upper.size(0), int64_t(2));
    QVERIFY(upper[0].item<double>() != upper[1].item<double>());
    QVERIFY_THROWS_EXCEPTION(std::exception, q.toGrid());
}

void TestDsqQuantizer::gradientScaleKeepsValues()
{
    const auto x = torch::linspace(-1.4, 2.3, 41);
    DsqQuantizer plain(2, -1.0, 2.0, 0.2), scaled(2, -1.0, 2.0, 0.2);
    scaled.setGradientScale(0.25);
    auto xa = x.clone().requires_grad_(true), xb = x.clone().requires_grad_(true);
    const auto ya = plain.forward(xa), yb = scaled.forward(xb);
    QVERIFY(torch::equal(ya, yb));
    (ya * x).sum().backward();
    (yb * x).sum().backward();
    QVERIFY(torch::allclose(xa.grad(), xb.grad())); // the input's gradient is untouched
    for (size_t p = 0; p < 2; ++p) // l and u
        QVERIFY(torch::allclose(scaled.parameters()[p].grad(),
                                0.25 * plain.parameters()[p].grad(), 1e-5, 1e-6));
    QVERIFY(torch::allclose(scaled.parameters()[2].grad(), plain.parameters()[2].grad())); // α
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

void TestDsqQuantizer::fusedFunctionMatchesComposedOps_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<int>("channels");
    QTest::addColumn<bool>("fixedLower");
    QTest::newRow("W2 per tensor") << 2 << 1 << false;
    QTest::newRow("A4 fixed lower") << 4 << 1 << true;
    QTest::newRow("W3 per channel") << 3 << 3 << false;
    QTest::newRow("binary per channel") << 1 << 2 << false;
}

// forward() is one autograd function with hand-derived gradients; soft() still composes the
// staircase from tensor ops, so autograd's gradient of soft() is the reference. The values
// cover both sides of the range, exact ties with its ends (half the clipped gradient each way,
// as max/min split it), more than one parallel chunk and a tail shorter than the vector width.
void TestDsqQuantizer::fusedFunctionMatchesComposedOps()
{
    QFETCH(int, bits);
    QFETCH(int, channels);
    QFETCH(bool, fixedLower);
    torch::manual_seed(5);
    const auto lower = fixedLower ? torch::zeros({channels}) : -0.5 - torch::rand({channels});
    const auto upper = 0.5 + torch::rand({channels});
    const auto makeQuantizer = [&] {
        DsqQuantizer q(bits, lower, upper, 0.23, fixedLower);
        q.setGradientScale(0.3);
        return q;
    };
    DsqQuantizer fused = makeQuantizer(), composed = makeQuantizer();
    auto x = (torch::randn({channels, 40011 / channels}) * 0.8).contiguous();
    x.index_put_({0, 7}, lower[0]);
    x.index_put_({0, 8}, upper[0]);
    const auto probe = torch::randn(x.sizes());

    auto xf = x.clone().requires_grad_(true), xc = x.clone().requires_grad_(true);
    const auto y = fused.forward(xf);
    (y * probe).sum().backward();
    const auto soft = composed.soft(xc);
    ((soft + (y.detach() - soft).detach()) * probe).sum().backward();

    // The hard value is the nearest level, half up, on the clipped value.
    const auto l = lower.view({channels, 1}), u = upper.view({channels, 1});
    const auto delta = (u - l) / double((1 << bits) - 1);
    const auto expected = l + delta * ((torch::min(torch::max(x, l), u) - l) / delta + 0.5).floor();
    QVERIFY(torch::allclose(y, expected, 1e-5, 1e-5));
    QVERIFY(torch::allclose(xf.grad(), xc.grad(), 1e-4, 1e-5));
    QVERIFY(xf.grad()[0][7].item<float>() != 0.f); // a tie passes half its gradient to x
    for (size_t p = 0; p < fused.parameters().size(); ++p) {
        const auto a = fused.parameters()[p].grad(), b = composed.parameters()[p].grad();
        QVERIFY2(torch::allclose(a, b, 2e-4, 1e-4),
                 qPrintable(QStringLiteral("parameter %1: %2 against %3")
                                .arg(p)
                                .arg(a.flatten()[0].item<double>())
                                .arg(b.flatten()[0].item<double>())));
    }
}

QTEST_GUILESS_MAIN(TestDsqQuantizer)
#include "tst_dsq_quantizer.moc"
