// SPDX-License-Identifier: MIT
// Uniform grids: levels, rounding to the nearest level, clipping, the clip search, binary
// weights, unsigned activations, the STE, SQNR and model size; the per-tensor fake
// quantization against ATen's.
#include "analysis/model_size.h"
#include "quant/uniform_quantizer.h"

#include <QTest>

using namespace quantscope;
using quant::UniformQuantizer;

class TestUniformQuantizer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valuesLieOnTheGrid_data();
    void valuesLieOnTheGrid();
    void roundsToNearestLevel();
    void clipSearchNeverWorseThanMinMax();
    void perChannelBeatsPerTensor();
    void binaryWeights();
    void unsignedActivations();
    void steGradient();
    void sqnrGrowsWithBits();
    void sizeCountsBits();
    void perTensorMatchesAten();
    void keepsChannelsLast();
};

void TestUniformQuantizer::valuesLieOnTheGrid_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<bool>("symmetric");
    for (int b : {2, 3, 4, 8}) {
        QTest::addRow("%d-bit asymmetric", b) << b << false;
        QTest::addRow("%d-bit symmetric", b) << b << true;
    }
}

void TestUniformQuantizer::valuesLieOnTheGrid()
{
    QFETCH(int, bits);
    QFETCH(bool, symmetric);
    torch::manual_seed(0);
    const auto w = torch::randn({8, 4, 3, 3});
    quant::WeightGridOptions o;
    o.bits = bits;
    o.symmetric = symmetric;
    const auto grid = UniformQuantizer::fitWeight(w, o);
    const auto q = grid.fakeQuantize(w);
    for (int64_t c = 0; c < 8; ++c) {
        const auto levels = grid.levels(c);
        QCOMPARE(int64_t(levels.size()), int64_t(1) << bits);
        const auto lv = torch::tensor(levels, torch::kFloat32);
        const auto distance = (q[c].flatten().unsqueeze(1) - lv.unsqueeze(0)).abs();
        QVERIFY(std::get<0>(distance.min(1)).max().item<float>() < 1e-5f);
    }
}

void TestUniformQuantizer::roundsToNearestLevel()
{
    // Range [0, 3] at 2 bits: levels 0, 1, 2, 3 exactly.
    const auto x = torch::tensor({0.f, 0.4f, 0.6f, 1.49f, 2.51f, 3.f}).view({1, 6});
    quant::WeightGridOptions o;
    o.bits = 2;
    o.perChannel = false;
    o.searchClip = false;
    const auto q = UniformQuantizer::fitWeight(x, o).fakeQuantize(x);
    QVERIFY(torch::allclose(q, torch::tensor({0.f, 0.f, 1.f, 1.f, 3.f, 3.f}).view({1, 6}),
                            1e-5, 1e-5));
    // Values beyond the clip range clip to the end levels.
    const auto grid = UniformQuantizer::fitWeight(x, o);
    QCOMPARE(grid.fakeQuantize(torch::tensor({7.f, -2.f})).max().item<float>(), 3.f);
    QCOMPARE(grid.fakeQuantize(torch::tensor({7.f, -2.f})).min().item<float>(), 0.f);
}

void TestUniformQuantizer::clipSearchNeverWorseThanMinMax()
{
    torch::manual_seed(1);
    // Heavy tails: the search should clip them and win clearly.
    const auto w = torch::randn({16, 64}) * torch::rand({16, 64}).pow(4) * 3;
    for (int bits : {2, 3, 4}) {
        quant::WeightGridOptions o;
        o.bits = bits;
        o.searchClip = false;
        const double minmax = (UniformQuantizer::fitWeight(w, o).fakeQuantize(w) - w)
                                  .pow(2).sum().item<double>();
        o.searchClip = true;
        const double searched = (UniformQuantizer::fitWeight(w, o).fakeQuantize(w) - w)
                                    .pow(2).sum().item<double>();
        QVERIFY2(searched <= minmax, qPrintable(QStringLiteral("%1 bits").arg(bits)));
        if (bits == 2)
            QVERIFY(searched < 0.9 * minmax);
    }
}

void TestUniformQuantizer::perChannelBeatsPerTensor()
{
    torch::manual_seed(2);
    const auto w = torch::randn({4, 32}) * torch::tensor({0.01f, 0.1f, 1.f, 10.f}).view({4, 1});
    quant::WeightGridOptions o;
    o.bits = 4;
    const auto perChannel = UniformQuantizer::fitWeight(w, o).fakeQuantize(w);
    o.perChannel = false;
    const auto perTensor = UniformQuantizer::fitWeight(w, o).fakeQuantize(w);
    QVERIFY(analysis::ModelSize::sqnrDb(w, perChannel) > analysis::ModelSize::sqnrDb(w, perTensor));
}

void TestUniformQuantizer::binaryWeights()
{
    const auto w = torch::tensor({-2.f, -1.f, 1.f, 4.f}).view({1, 4});
    quant::WeightGridOptions o;
    o.bits = 1;
    const auto grid = UniformQuantizer::fitWeight(w, o);
    QVERIFY(grid.binary);
    QVERIFY(torch::allclose(grid.fakeQuantize(w), torch::tensor({-2.f, -2.f, 2.f, 2.f}).view({1, 4})));
    QCOMPARE(grid.levels(0), (std::vector<double>{-2.0, 2.0}));
}

void TestUniformQuantizer::unsignedActivations()
{
    torch::manual_seed(3);
    const auto relu = torch::randn({1000}).clamp_min(0);
    const auto grid = UniformQuantizer::fitActivation(relu, 4);
    QCOMPARE(grid.zeroPoint.item<int64_t>(), int64_t(0));
    QCOMPARE(grid.levels().front(), 0.0);
    QCOMPARE(int(grid.levels().size()), 16);
    QVERIFY(grid.fakeQuantize(relu).min().item<float>() >= 0.f);
}

void TestUniformQuantizer::steGradient()
{
    const auto x = torch::tensor({-5.f, 0.3f, 0.7f, 5.f}).requires_grad_(true);
    quant::WeightGridOptions o;
    o.bits = 2;
    o.perChannel = false;
    o.searchClip = false;
    const auto grid = UniformQuantizer::fitWeight(torch::tensor({0.f, 1.f}), o);
    grid.fakeQuantize(x).sum().backward();
    // Identity inside the clip range, zero outside.
    QVERIFY(torch::equal(x.grad(), torch::tensor({0.f, 1.f, 1.f, 0.f})));
}

void TestUniformQuantizer::sqnrGrowsWithBits()
{
    torch::manual_seed(4);
    const auto w = torch::randn({8, 72});
    double last = -1;
    for (int bits = 2; bits <= 8; ++bits) {
        quant::WeightGridOptions o;
        o.bits = bits;
        const double sqnr = analysis::ModelSize::sqnrDb(w, UniformQuantizer::fitWeight(w, o)
                                                               .fakeQuantize(w));
        QVERIFY2(sqnr > last + 3, qPrintable(QStringLiteral("%1 bits: %2 dB").arg(bits).arg(sqnr)));
        last = sqnr;
    }
    QCOMPARE(analysis::ModelSize::sqnrDb(w, w), 300.0);
}

void TestUniformQuantizer::sizeCountsBits()
{
    model::LayerInfo a;
    a.params = 1000;
    a.weightShape = {10, 100};
    a.biasParams = 10;
    a.macs = 1000;
    const auto r = analysis::ModelSize::compute({a, a}, {4, 32}, {8, 32});
    QCOMPARE(r.floatSizeBytes, int64_t(2 * 1010 * 4));
    QCOMPARE(r.sizeBytes, int64_t(500 + 10 * 8 + 40 + 4040));
    QCOMPARE(r.averageWeightBits, 18.0);
    QCOMPARE(r.bops, 1000.0 * 4 * 8 + 1000.0 * 32 * 32);
}

// QuantGrid's per-tensor fake quantization is its own vectorized function; ATen's is the
// reference for the values and the straight-through mask, on values below, inside and above
// the grid, exact rounding ties, more than one parallel chunk and an odd tail.
void TestUniformQuantizer::perTensorMatchesAten()
{
    torch::manual_seed(6);
    quant::QuantGrid g;
    g.bits = 4;
    g.qmin = 0;
    g.qmax = 15;
    g.scale = torch::tensor({0.0731f});
    g.zeroPoint = torch::tensor({int64_t(5)});
    auto x = torch::randn({40011}) * 0.7;
    x.index_put_({torch::indexing::Slice(0, 40)}, torch::arange(-20, 20) * 0.0731 / 2);
    const auto probe = torch::randn({40011});
    auto a = x.clone().requires_grad_(true), b = x.clone().requires_grad_(true);
    const auto ours = g.fakeQuantize(a);
    const auto aten = torch::fake_quantize_per_tensor_affine(b, 0.0731, 5, 0, 15);
    QVERIFY(torch::equal(ours, aten));
    (ours * probe).sum().backward();
    (aten * probe).sum().backward();
    QVERIFY(torch::equal(a.grad(), b.grad()));
}

// A channels-last activation (BRECQ's units compute in that layout on the CPU) is quantized as
// it is, to the values and straight-through gradient of its contiguous copy.
void TestUniformQuantizer::keepsChannelsLast()
{
    torch::manual_seed(9);
    const auto values = torch::randn({4, 16, 9, 7}).relu() * 3;
    const auto grid = UniformQuantizer::fitActivation(values, 4);
    auto x = values.contiguous(torch::MemoryFormat::ChannelsLast).requires_grad_(true);
    auto x2 = values.clone().requires_grad_(true);
    const auto out = grid.fakeQuantize(x);
    QVERIFY(out.is_contiguous(torch::MemoryFormat::ChannelsLast));
    QVERIFY(torch::equal(out, grid.fakeQuantize(x2)));
    const auto probe = torch::randn({4, 16, 9, 7});
    (out * probe).sum().backward();
    (grid.fakeQuantize(x2) * probe).sum().backward();
    QVERIFY(torch::equal(x.grad(), x2.grad()));
}

QTEST_GUILESS_MAIN(TestUniformQuantizer)
#include "tst_uniform_quantizer.moc"
