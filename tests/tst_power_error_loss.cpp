// SPDX-License-Identifier: MIT
// BRECQ's reconstruction error as one autograd function: the value and the gradient of
// Σ_channels |d|^p averaged over samples and positions, against ATen's composition of the same
// (the oracle), at the activation phase's p = 2.4 and the rounding phase's p = 2, with exact
// zeros in d (where p·|d|^p / d would be 0/0).
#include "quant/power_error_loss.h"

#include <QTest>

using namespace quantscope;
using quant::PowerErrorLoss;

class TestPowerErrorLoss : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesTheComposedLoss_data();
    void matchesTheComposedLoss();
};

void TestPowerErrorLoss::matchesTheComposedLoss_data()
{
    QTest::addColumn<double>("p");
    QTest::newRow("activation phase") << 2.4;
    QTest::newRow("rounding phase") << 2.0;
    QTest::newRow("L1.5") << 1.5;
}

void TestPowerErrorLoss::matchesTheComposedLoss()
{
    QFETCH(double, p);
    torch::manual_seed(3);
    auto values = torch::randn({8, 6, 5, 5}, torch::kDouble);
    values.index_put_({values.abs() < 0.2}, 0.0); // about a sixth exactly zero
    const auto d = values.clone().requires_grad_(true);
    const auto oracle = values.clone().requires_grad_(true);

    const auto loss = PowerErrorLoss::apply(d, p);
    const auto expected = oracle.abs().pow(p).sum(1).mean();
    QVERIFY(loss.dim() == 0);
    QVERIFY(torch::allclose(loss, expected, 1e-12, 0));
    loss.backward();
    expected.backward();
    QVERIFY(torch::isfinite(d.grad()).all().item<bool>());
    QVERIFY(torch::allclose(d.grad(), oracle.grad(), 1e-12, 1e-15));
    QCOMPARE(d.grad().masked_select(values == 0).abs().max().item<double>(), 0.0);

    torch::NoGradGuard noGrad; // the value alone, as outputLoss takes it
    QVERIFY(torch::allclose(PowerErrorLoss::apply(d, p), expected, 1e-12, 0));
}

QTEST_APPLESS_MAIN(TestPowerErrorLoss)
#include "tst_power_error_loss.moc"
