// SPDX-License-Identifier: MIT
// How BRECQ keeps a unit's per-sample tensors: in float while small (untouched), in half once the
// whole cache would pass ActivationCache::kCompactBytes, giving back float within half's
// precision and saturating instead of overflowing; a unit reconstructed from half caches ends
// where the float caches take it.
#include "model/quant_graph.h"
#include "quant/activation_cache.h"
#include "quant/uniform_quantizer.h"
#include "quant/unit_reconstructor.h"

#include <QTest>

#include <cmath>

using namespace quantscope;
using quant::ActivationCache;

class TestActivationCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void smallCachesStayFloat();
    void largeCachesKeepHalfPrecision();
    void reconstructionAgreesOnHalfCaches();
};

void TestActivationCache::smallCachesStayFloat()
{
    const auto values = torch::randn({64, 16, 8, 8});
    const auto stored = ActivationCache::store(values);
    QCOMPARE(stored.scalar_type(), torch::kFloat);
    QCOMPARE(stored.data_ptr(), values.data_ptr()); // no copy, bit for bit
    QCOMPARE(ActivationCache::load(stored).data_ptr(), values.data_ptr());
}

void TestActivationCache::largeCachesKeepHalfPrecision()
{
    // One row of 1 MiB in a cache of 300 rows: 300 MiB in all, above the threshold.
    auto row = torch::randn({1, 64, 64, 64}) * 10;
    row[0][0][0][0] = 1e6; // beyond half's range
    const auto stored = ActivationCache::store(row, 300);
    QCOMPARE(stored.scalar_type(), torch::kHalf);
    QCOMPARE(ActivationCache::store(row, 200).scalar_type(), torch::kFloat); // 200 MiB: below
    const auto back = ActivationCache::load(stored);
    QCOMPARE(back.scalar_type(), torch::kFloat);
    QCOMPARE(back[0][0][0][0].item<float>(), 65504.0f); // saturated, not infinite
    const auto rest = torch::ones_like(row, torch::kBool);
    rest[0][0][0][0] = false;
    // Half keeps 11 significant bits: rounding to nearest errs by at most 2^-11 of the value
    // (values above half's smallest normal number, 2^-14).
    const auto normal = rest & (row.abs() > std::ldexp(1.0, -14));
    const auto relative = ((back - row).abs() / row.abs()).masked_select(normal);
    QVERIFY2(relative.max().item<double>() <= std::ldexp(1.0, -11),
             qPrintable(QString::number(relative.max().item<double>())));
}

void TestActivationCache::reconstructionAgreesOnHalfCaches()
{
    torch::manual_seed(5);
    const model::QuantGraph graph(QUANTSCOPE_FIXTURE_DIR "/tiny_resnet_scripted.pt");
    const size_t block = 1;
    auto floatSession = graph.makeSession();
    torch::Tensor in, target;
    {
        torch::NoGradGuard noGrad;
        in = graph.runUnit(0, torch::randn({128, 1, 8, 8}), floatSession);
        target = graph.runUnit(block, in, floatSession);
    }
    const auto reconstructed = [&](const torch::Tensor &inputs, const torch::Tensor &targets) {
        auto session = graph.makeSession();
        std::vector<quant::AdaRound> rounding;
        for (int id : graph.units()[block].layerIds) {
            quant::WeightGridOptions o;
            o.bits = 2;
            const auto grid = quant::UniformQuantizer::fitWeight(graph.floatWeight(id), o);
            rounding.emplace_back(graph.floatWeight(id), grid);
        }
        quant::UnitReconstructor unit(graph, block, session, inputs, targets, {});
        quant::ReconstructionOptions options;
        options.iterations = 200;
        options.lr = 0.01;
        unit.reconstructWeights(graph.units()[block].layerIds, rounding, options, {});
        // Judged against the float targets either way.
        return quant::UnitReconstructor(graph, block, session, in, target, {}).outputLoss();
    };
    const double fromFloat = reconstructed(in, target);
    const double fromHalf = reconstructed(in.to(torch::kHalf), target.to(torch::kHalf));
    QVERIFY2(std::abs(fromHalf - fromFloat) < 0.01 * fromFloat,
             qPrintable(QStringLiteral("half %1, float %2").arg(fromHalf).arg(fromFloat)));
}

QTEST_APPLESS_MAIN(TestActivationCache)
#include "tst_activation_cache.moc"
