// SPDX-License-Identifier: MIT
// How BRECQ keeps a unit's per-sample tensors: in float while small (untouched), in half once the
// whole cache would pass ActivationCache::kCompactBytes, giving back float within half's
// precision and saturating instead of overflowing; a unit reconstructed from half caches, or from
// channels-last ones (the layout its outputs come in on the CPU), ends where the contiguous float
// caches take it.
#include "model/quant_graph.h"
#include "quant/activation_cache.h"
#include "quant/uniform_quantizer.h"
#include "quant/unit_reconstructor.h"

#include <QTest>

#include <cmath>
#include <memory>

using namespace quantscope;
using quant::ActivationCache;

class TestActivationCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void smallCachesStayFloat();
    void largeCachesKeepHalfPrecision();
    void reconstructionAgreesOnHalfCaches();
    void reconstructionAgreesOnChannelsLastCaches();

private:
    // The tiny ResNet's identity block reconstructed at 2 bits from the given caches, judged by
    // its loss against the float targets.
    double reconstructed(const torch::Tensor &inputs, const torch::Tensor &targets) const;

    std::unique_ptr<model::QuantGraph> m_graph;
    static constexpr size_t kBlock = 1;
    torch::Tensor m_in, m_target; // the block's float inputs and outputs, contiguous
};

void TestActivationCache::initTestCase()
{
    torch::manual_seed(5);
    m_graph = std::make_unique<model::QuantGraph>(QUANTSCOPE_FIXTURE_DIR
                                                  "/tiny_resnet_scripted.pt");
    auto floatSession = m_graph->makeSession();
    torch::NoGradGuard noGrad;
    m_in = m_graph->runUnit(0, torch::randn({128, 1, 8, 8}), floatSession).contiguous();
    m_target = m_graph->runUnit(kBlock, m_in, floatSession).contiguous();
}

double TestActivationCache::reconstructed(const torch::Tensor &inputs,
                                          const torch::Tensor &targets) const
{
    torch::manual_seed(7);
    auto session = m_graph->makeSession();
    const auto &ids = m_graph->units()[kBlock].layerIds;
    std::vector<quant::AdaRound> rounding;
    for (int id : ids) {
        quant::WeightGridOptions o;
        o.bits = 2;
        const auto grid = quant::UniformQuantizer::fitWeight(m_graph->floatWeight(id), o);
        rounding.emplace_back(m_graph->floatWeight(id), grid);
    }
    quant::UnitReconstructor unit(*m_graph, kBlock, session, inputs, targets, {});
    quant::ReconstructionOptions options;
    options.iterations = 200;
    options.lr = 0.01;
    unit.reconstructWeights(ids, rounding, options, {});
    return quant::UnitReconstructor(*m_graph, kBlock, session, m_in, m_target, {}).outputLoss();
}

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
    const double fromFloat = reconstructed(m_in, m_target);
    const double fromHalf = reconstructed(m_in.to(torch::kHalf), m_target.to(torch::kHalf));
    QVERIFY2(std::abs(fromHalf - fromFloat) < 0.01 * fromFloat,
             qPrintable(QStringLiteral("half %1, float %2").arg(fromHalf).arg(fromFloat)));
}

void TestActivationCache::reconstructionAgreesOnChannelsLastCaches()
{
    // A batch gathered from channels-last caches keeps that layout (UnitReconstructor::rows):
    // drawing the wrong samples, or pairing an input with another sample's target, would end
    // far from the contiguous caches' result.
    const auto channelsLast = [](const torch::Tensor &t) {
        return t.contiguous(torch::MemoryFormat::ChannelsLast);
    };
    QVERIFY(!channelsLast(m_in).is_contiguous());
    const double contiguous = reconstructed(m_in, m_target);
    for (const auto &dtype : {torch::kFloat, torch::kHalf}) {
        const double fromChannelsLast =
            reconstructed(channelsLast(m_in).to(dtype), channelsLast(m_target).to(dtype));
        QVERIFY2(std::abs(fromChannelsLast - contiguous) < 0.01 * contiguous,
                 qPrintable(QStringLiteral("channels-last %1, contiguous %2")
                                .arg(fromChannelsLast).arg(contiguous)));
    }
    // The unit's outputs come in channels-last on the CPU, whatever its caches' layout.
    auto session = m_graph->makeSession();
    const quant::UnitReconstructor unit(*m_graph, kBlock, session, m_in, m_target, {});
    QVERIFY(unit.outputs().is_contiguous(torch::MemoryFormat::ChannelsLast));
}

QTEST_APPLESS_MAIN(TestActivationCache)
#include "tst_activation_cache.moc"
