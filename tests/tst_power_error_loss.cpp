// SPDX-License-Identifier: MIT
// BRECQ's reconstruction error as one autograd function: the value and the gradient of
// Σ_channels |d|^p averaged over samples and positions, against ATen's composition of the same
// (the oracle), at the activation phase's p = 2.4 and the rounding phase's p = 2, with exact
// zeros in d (where p·|d|^p / d would be 0/0); in float on the CPU, where p ≠ 2 takes the fused
// pass (the power as e^(p·ln|d|)), against the same oracle in double. A NaN stays NaN.
#include "quant/power_error_loss.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace quantscope;
using quant::PowerErrorLoss;

class TestPowerErrorLoss : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesTheComposedLoss_data();
    void matchesTheComposedLoss();
    void divergedValueStaysNaN();
    void anyLayoutGivesTheSameLoss();
};

void TestPowerErrorLoss::matchesTheComposedLoss_data()
{
    QTest::addColumn<double>("p");
    QTest::addColumn<bool>("inFloat"); // float on the CPU: the fused pass where p ≠ 2
    QTest::addColumn<double>("tolerance");
    QTest::newRow("activation phase") << 2.4 << false << 1e-12;
    QTest::newRow("rounding phase") << 2.0 << false << 1e-12;
    QTest::newRow("L1.5") << 1.5 << false << 1e-12;
    QTest::newRow("activation phase, float") << 2.4 << true << 1e-5;
    QTest::newRow("rounding phase, float") << 2.0 << true << 1e-5;
    QTest::newRow("L1.5, float") << 1.5 << true << 1e-5;
    QTest::newRow("L3, float") << 3.0 << true << 1e-5;
}

void TestPowerErrorLoss::matchesTheComposedLoss()
{
    QFETCH(double, p);
    QFETCH(bool, inFloat);
    QFETCH(double, tolerance);
    torch::manual_seed(5);
    // 100 352 elements (seven chunks of the fused loop), magnitudes over six decades, a tenth
    // exactly zero; representable in float, so both types see the same values.
    auto values = torch::randn({16, 32, 14, 14}, torch::kDouble) *
                  torch::pow(10.0, torch::rand({16, 32, 14, 14}, torch::kDouble) * 6 - 4);
    values.index_put_({torch::rand_like(values) < 0.1}, 0.0);
    values = values.to(torch::kFloat).to(torch::kDouble);
    const auto d = values.to(inFloat ? torch::kFloat : torch::kDouble, false, /*copy=*/true)
                       .requires_grad_(true);
    const auto oracle = values.clone().requires_grad_(true);

    const auto loss = PowerErrorLoss::apply(d, p);
    const auto expected = oracle.abs().pow(p).sum(1).mean();
    QVERIFY(loss.dim() == 0);
    QCOMPARE(loss.scalar_type(), d.scalar_type());
    QVERIFY2(torch::allclose(loss.to(torch::kDouble), expected, tolerance, 0),
             qPrintable(QStringLiteral("%1 against %2").arg(loss.item<double>())
                            .arg(expected.item<double>())));
    loss.backward();
    expected.backward();
    const auto grad = d.grad().to(torch::kDouble);
    QVERIFY(torch::isfinite(grad).all().item<bool>());
    const double largest = oracle.grad().abs().max().item<double>();
    QVERIFY(torch::allclose(grad, oracle.grad(), tolerance, 0.1 * tolerance * largest));
    QCOMPARE(grad.masked_select(values == 0).abs().max().item<double>(), 0.0);

    torch::NoGradGuard noGrad; // the value alone, as outputLoss takes it
    QCOMPARE(PowerErrorLoss::apply(d, p).item<double>(), loss.item<double>());
}

void TestPowerErrorLoss::divergedValueStaysNaN()
{
    // BRECQ's checkpoints never keep a NaN loss: the value must say NaN.
    auto d = torch::ones({2, 3, 4, 4});
    d[1][2][3][3] = std::numeric_limits<float>::quiet_NaN();
    torch::NoGradGuard noGrad;
    QVERIFY(std::isnan(PowerErrorLoss::apply(d, 2.4).item<float>()));
}

// A channels-last difference (BRECQ's units compute in that layout on the CPU) and a strided
// view give the loss and gradient of their contiguous copies; the fused pass reads the
// channels-last one in place, so its sum runs in another order (float rounding only).
void TestPowerErrorLoss::anyLayoutGivesTheSameLoss()
{
    torch::manual_seed(6);
    const auto values = torch::randn({8, 32, 14, 15});
    for (double p : {2.4, 2.0}) {
        const auto reference = values.clone().requires_grad_(true);
        const auto expected = PowerErrorLoss::apply(reference, p);
        expected.backward();
        const auto channelsLast =
            values.contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_(true);
        auto wide = torch::zeros({8, 32, 14, 30});
        wide.slice(3, 0, 30, 2).copy_(values);
        wide.requires_grad_(true);
        const auto strided = wide.slice(3, 0, 30, 2); // not dense: every other column
        for (const auto &d : {channelsLast, strided}) {
            const auto loss = PowerErrorLoss::apply(d, p);
            QVERIFY2(std::abs(loss.item<double>() - expected.item<double>()) <=
                         1e-6 * expected.item<double>(),
                     qPrintable(QStringLiteral("p %1: %2 against %3").arg(p)
                                    .arg(loss.item<double>()).arg(expected.item<double>())));
            loss.backward();
        }
        QVERIFY(torch::allclose(channelsLast.grad(), reference.grad(), 1e-6, 0));
        QVERIFY(torch::allclose(wide.grad().slice(3, 0, 30, 2), reference.grad(), 1e-6, 0));
        QCOMPARE(wide.grad().slice(3, 1, 30, 2).abs().max().item<float>(), 0.0f);
    }
}

QTEST_APPLESS_MAIN(TestPowerErrorLoss)
#include "tst_power_error_loss.moc"
