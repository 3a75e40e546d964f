// SPDX-License-Identifier: MIT
// AdaRound and the learned activation step: h(V) starts at the fractional part (so the soft
// weight is the float weight and the hard weight is round-to-nearest), the regulariser drives
// h to 0 or 1, and the activation step receives LSQ's gradient.
#include "quant/ada_round.h"
#include "quant/lsq_activation.h"
#include "quant/uniform_quantizer.h"

#include <QTest>

using namespace quantscope;

class TestAdaRound : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsAtTheFractionalPart();
    void regulariserMakesItBinary();
    void learnedStepGetsLsqGradient();

private:
    static quant::QuantGrid grid(const torch::Tensor &w, int bits);
};

quant::QuantGrid TestAdaRound::grid(const torch::Tensor &w, int bits)
{
    quant::WeightGridOptions o;
    o.bits = bits;
    return quant::UniformQuantizer::fitWeight(w, o);
}

void TestAdaRound::startsAtTheFractionalPart()
{
    torch::manual_seed(1);
    const auto w = torch::randn({8, 4, 3, 3});
    const auto g = grid(w, 4);
    quant::AdaRound rounding(w, g);
    const auto scaled = w / g.scale.view({8, 1, 1, 1});
    const auto frac = scaled - scaled.floor();
    QVERIFY(torch::allclose(rounding.rectifiedSigmoid(), frac, 1e-4, 1e-5));
    // Soft weight = float weight wherever the grid does not clip it.
    const auto soft = rounding.softWeight().detach();
    const auto q = scaled + g.zeroPoint.view({8, 1, 1, 1}).to(torch::kFloat32);
    const auto inside = (q >= double(g.qmin)) & (q <= double(g.qmax));
    QVERIFY(inside.to(torch::kFloat32).mean().item<double>() > 0.5);
    QVERIFY(torch::allclose(soft.masked_select(inside), w.masked_select(inside), 1e-4, 1e-5));
    // Hard rounding at the start is round-to-nearest.
    QVERIFY(torch::allclose(rounding.hardWeight(), g.fakeQuantize(w), 1e-4, 1e-5));
    QCOMPARE(rounding.flippedShare(), 0.0);
    QVERIFY(rounding.undecidedShare() > 0.9);
}

void TestAdaRound::regulariserMakesItBinary()
{
    torch::manual_seed(2);
    const auto w = torch::randn({16, 32});
    quant::AdaRound rounding(w, grid(w, 2));
    torch::optim::Adam adam({rounding.variable()}, torch::optim::AdamOptions(0.05));
    const int steps = 400;
    for (int i = 0; i < steps; ++i) {
        adam.zero_grad();
        const double beta = 20.0 - 18.0 * i / steps; // annealed as in the reconstruction
        rounding.regularizer(beta).backward();
        adam.step();
    }
    QCOMPARE(rounding.undecidedShare(), 0.0);
    QCOMPARE(rounding.regularizer(2.0).item<double>(), 0.0);
    // Binary h: the soft weight is the hard weight.
    QVERIFY(torch::allclose(rounding.softWeight().detach(), rounding.hardWeight()));
    const double up = rounding.roundedUpShare();
    QVERIFY(up > 0.2 && up < 0.8);
}

void TestAdaRound::learnedStepGetsLsqGradient()
{
    quant::QuantGrid g;
    g.bits = 2;
    g.scale = torch::tensor({0.5f});
    g.zeroPoint = torch::tensor({int64_t(0)});
    g.qmin = 0;
    g.qmax = 3;
    quant::LsqActivation q(g);
    const auto x = torch::tensor({0.3f, 0.9f, 5.0f});
    const auto y = q(x);
    QVERIFY(torch::allclose(y.detach(), torch::tensor({0.5f, 1.0f, 1.5f})));
    y.sum().backward();
    // round(x/s) − x/s inside the range: (1 − 0.6) + (2 − 1.8); qmax − z = 3 above it.
    QCOMPARE(q.step().grad().item<float>(), 0.4f + 0.2f + 3.0f); // 3.6
    QVERIFY(torch::allclose(q.grid().fakeQuantize(x), y.detach()));
}

QTEST_APPLESS_MAIN(TestAdaRound)
#include "tst_ada_round.moc"
