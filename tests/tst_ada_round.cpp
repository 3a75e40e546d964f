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
    void fusedRoundingMatchesComposedOps();
    void fusedStepMatchesComposedOps();
    void fusedStepKeepsChannelsLast();

private:
    static quant::QuantGrid grid(const torch::Tensor &w, int bits);
    // A per-tensor asymmetric activation grid of the given step and zero point.
    static quant::QuantGrid activationGrid(int bits, float step, int64_t zero);
};

quant::QuantGrid TestAdaRound::grid(const torch::Tensor &w, int bits)
{
    quant::WeightGridOptions o;
    o.bits = bits;
    return quant::UniformQuantizer::fitWeight(w, o);
}

quant::QuantGrid TestAdaRound::activationGrid(int bits, float step, int64_t zero)
{
    quant::QuantGrid g;
    g.bits = bits;
    g.scale = torch::tensor({step});
    g.zeroPoint = torch::tensor({zero});
    g.qmin = 0;
    g.qmax = (int64_t(1) << bits) - 1;
    return g;
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
    const auto soft = rounding.soft(0).weight.detach();
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
        rounding.soft(beta).regularizer.backward();
        adam.step();
    }
    QCOMPARE(rounding.undecidedShare(), 0.0);
    QCOMPARE(rounding.soft(2.0).regularizer.item<double>(), 0.0);
    // Binary h: the soft weight is the hard weight.
    QVERIFY(torch::allclose(rounding.soft(0).weight.detach(), rounding.hardWeight()));
    const double up = rounding.roundedUpShare();
    QVERIFY(up > 0.2 && up < 0.8);
}

void TestAdaRound::learnedStepGetsLsqGradient()
{
    const auto g = activationGrid(2, 0.5f, 0);
    quant::LsqActivation q(g);
    const auto x = torch::tensor({0.3f, 0.9f, 5.0f});
    const auto y = q(x);
    QVERIFY(torch::allclose(y.detach(), torch::tensor({0.5f, 1.0f, 1.5f})));
    y.sum().backward();
    // round(x/s) − x/s inside the range: (1 − 0.6) + (2 − 1.8); qmax − z = 3 above it.
    QCOMPARE(q.step().grad().item<float>(), 0.4f + 0.2f + 3.0f); // 3.6
    QVERIFY(torch::allclose(q.grid().fakeQuantize(x), y.detach()));
}

// The fused soft weight and regulariser against the same formulas as composed tensor ops:
// values and the gradient of V, with h clipped at 0 and 1 for some weights and the grid
// clipping others.
void TestAdaRound::fusedRoundingMatchesComposedOps()
{
    torch::manual_seed(3);
    const auto w = torch::randn({8, 4, 3, 3});
    const auto g = grid(w, 3);
    quant::AdaRound rounding(w, g);
    { // V spread wide enough that the rectification clips some h
        torch::NoGradGuard noGrad;
        rounding.variable().normal_(0, 4);
    }
    const auto scale = g.scale.view({8, 1, 1, 1});
    const auto zero = g.zeroPoint.view({8, 1, 1, 1}).to(torch::kFloat32);
    const auto floor = (w / scale).floor();
    const auto probe = torch::randn_like(w);
    for (double beta : {0.0, 2.0, 7.5}) {
        auto v = rounding.variable().detach().clone().requires_grad_(true);
        const auto h = (torch::sigmoid(v) * (quant::AdaRound::kZeta - quant::AdaRound::kGamma) +
                        quant::AdaRound::kGamma)
                           .clamp(0.0, 1.0);
        const auto weight =
            scale * ((floor + h + zero).clamp(double(g.qmin), double(g.qmax)) - zero);
        const auto reg = (1.0 - (2.0 * h - 1.0).abs().pow(beta)).sum();
        const auto composed = (weight * probe).sum() + (beta > 0 ? 0.3 * reg : 0 * reg);
        const auto expected = torch::autograd::grad({composed}, {v})[0];

        rounding.variable().mutable_grad() = torch::Tensor();
        const auto soft = rounding.soft(beta);
        QVERIFY(torch::allclose(soft.weight.detach(), weight.detach(), 1e-5, 1e-6));
        if (beta > 0)
            QVERIFY(std::abs(soft.regularizer.item<double>() - reg.item<double>()) < 1e-3);
        const auto fused = (soft.weight * probe).sum() + 0.3 * soft.regularizer;
        fused.backward();
        QVERIFY2(torch::allclose(rounding.variable().grad(), expected, 1e-4, 1e-6),
                 qPrintable(QString("beta %1").arg(beta)));
    }
}

// The fused activation quantizer against its formula as composed tensor ops, on values below,
// inside and above the grid: outputs, ∂L/∂x and ∂L/∂s.
void TestAdaRound::fusedStepMatchesComposedOps()
{
    torch::manual_seed(4);
    quant::LsqActivation q(activationGrid(4, 0.13f, 3));
    // More than one parallel chunk, and a length that is not a multiple of the vector width.
    auto x = (torch::randn({40011}) * 1.5).requires_grad_(true);
    const auto probe = torch::randn({40011});
    (q(x) * probe).sum().backward();

    auto x2 = x.detach().clone().requires_grad_(true);
    auto s2 = torch::tensor({0.13f}).requires_grad_(true);
    const auto scaled = x2 / s2;
    const auto rounded = scaled + (scaled.round() - scaled).detach();
    const auto expected = s2 * ((rounded + 3.0).clamp(0.0, 15.0) - 3.0);
    (expected * probe).sum().backward();

    QVERIFY(torch::allclose(q(x).detach(), expected.detach(), 1e-5, 1e-6));
    QVERIFY(torch::allclose(x.grad(), x2.grad()));
    const double fused = q.step().grad().item<double>(), composed = s2.grad().item<double>();
    QVERIFY2(std::abs(fused - composed) <= 1e-4 * std::abs(composed),
             qPrintable(QString("%1 vs %2").arg(fused).arg(composed)));
}

// BRECQ's units compute in channels-last on the CPU: the quantizer keeps that layout (no copy
// into the contiguous one and back) and gives what it gives on the contiguous copy.
void TestAdaRound::fusedStepKeepsChannelsLast()
{
    torch::manual_seed(4);
    quant::LsqActivation q(activationGrid(4, 0.13f, 3));
    const auto values = torch::randn({8, 24, 11, 13}) * 1.5;
    auto x = values.contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_(true);
    auto x2 = values.clone().requires_grad_(true);
    const auto probe = torch::randn({8, 24, 11, 13}); // contiguous, unlike x
    const auto out = q(x);
    QVERIFY(out.is_contiguous(torch::MemoryFormat::ChannelsLast));
    QVERIFY(torch::equal(out, q(x2)));
    (out * probe).sum().backward();
    const double step = q.step().grad().item<double>();
    q.step().mutable_grad().zero_();
    (q(x2) * probe).sum().backward();
    QVERIFY(torch::equal(x.grad(), x2.grad()));
    QVERIFY2(std::abs(step - q.step().grad().item<double>()) <= 1e-5 * std::abs(step),
             qPrintable(QString("%1 vs %2").arg(step).arg(q.step().grad().item<double>())));
}

QTEST_APPLESS_MAIN(TestAdaRound)
#include "tst_ada_round.moc"
