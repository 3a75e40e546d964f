// SPDX-License-Identifier: MIT
// BRECQ on the tiny fixtures: one block's reconstruction beats round-to-nearest on the block's
// output and ends with binary rounding; the activation steps' checkpoints never end above the
// starting loss, even when the last iterate does; a whole W4A4 run reports per-block curves and
// before / after snapshots and keeps the edge activations at 8 bits; mixed precision stays within
// its budget, which counts the searched layers as uniform bits do, and allocates the same bits
// when a block's outputs are scaled without changing the network; a cancel stops within a
// second and says how many blocks were done.
#include "error.h"
#include "jobs/quantize_job.h"
#include "model/quant_graph.h"
#include "quant/lsq_activation.h"
#include "quant/unit_reconstructor.h"
#include "quant/uniform_quantizer.h"
#include "store/workspace.h"
#include "synthetic_dataset.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <torch/script.h>

#include <cmath>
#include <thread>

using namespace quantscope;

class TestBrecqMethod : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void blockReconstructionBeatsRtn();
    void activationCheckpointsKeepTheBestSteps();
    void wholeRunReportsBlocks();
    void headThatViewsItsMapsRuns();
    void presetFixesTheSamplesPerBlock_data();
    void presetFixesTheSamplesPerBlock();
    void mixedPrecisionRespectsTheBudget();
    void allocationIgnoresTheScaleOfBlockOutputs();
    void cancelStopsWithinASecond();

private:
    jobs::QuantizeRequest request(int wbits, int abits,
                                  std::map<std::string, std::string> settings,
                                  const std::string &model = {}) const;

    QTemporaryDir m_dir;
    const std::string m_model = QUANTSCOPE_FIXTURE_DIR "/tiny_resnet_scripted.pt";
};

void TestBrecqMethod::initTestCase()
{
    testing::writeIdx(m_dir.filePath(QStringLiteral("data")), 128, 40, 8, true);
}

jobs::QuantizeRequest TestBrecqMethod::request(int wbits, int abits,
                                               std::map<std::string, std::string> settings,
                                               const std::string &model) const
{
    jobs::QuantizeRequest r;
    r.modelPath = model.empty() ? m_model : model;
    r.dataPath = m_dir.filePath(QStringLiteral("data")).toStdString();
    r.method = "brecq";
    r.wbits = wbits;
    r.abits = abits;
    settings.emplace("calib_images", "64");
    r.settings = std::move(settings);
    r.workspaceDir = m_dir.filePath(QStringLiteral("ws")).toStdString();
    return r;
}

void TestBrecqMethod::blockReconstructionBeatsRtn()
{
    torch::manual_seed(3);
    const model::QuantGraph graph(m_model);
    const size_t block = 1; // the identity residual block: layers 1 and 2
    QCOMPARE(graph.units()[block].layerIds, (std::vector<int>{1, 2}));
    auto floatSession = graph.makeSession();
    torch::Tensor in, target;
    {
        torch::NoGradGuard noGrad;
        in = graph.runUnit(0, torch::randn({128, 1, 8, 8}), floatSession);
        target = graph.runUnit(block, in, floatSession);
    }
    auto session = graph.makeSession();
    quant::UnitReconstructor unit(graph, block, session, in, target, {});
    std::vector<quant::AdaRound> rounding;
    for (int id : graph.units()[block].layerIds) {
        quant::WeightGridOptions o;
        o.bits = 2;
        const auto grid = quant::UniformQuantizer::fitWeight(graph.floatWeight(id), o);
        session.setWeight(id, grid.fakeQuantize(graph.floatWeight(id)).detach());
        rounding.emplace_back(graph.floatWeight(id), grid);
    }
    const double rtnLoss = unit.outputLoss();

    quant::ReconstructionOptions options;
    options.iterations = 1000;
    options.lr = 0.01;
    jobs::JobContext context;
    std::vector<double> recon, round;
    context.onMetric = [&](const jobs::MetricPoint &p) {
        (p.series == "recon" ? recon : round).push_back(p.value);
    };
    unit.reconstructWeights(graph.units()[block].layerIds, rounding, options, context);
    const double adaLoss = unit.outputLoss();
    const auto [outputs, loss] = unit.outputsAndLoss(2.0, nullptr); // both from one pass
    QCOMPARE(loss, adaLoss);
    QVERIFY(torch::equal(outputs, unit.outputs()));
    QVERIFY2(adaLoss < 0.8 * rtnLoss, qPrintable(QStringLiteral("AdaRound %1 vs RTN %2")
                                                    .arg(adaLoss).arg(rtnLoss)));
    QCOMPARE(recon.size(), size_t(200));
    QCOMPARE(round.size(), size_t(200));
    QCOMPARE(round.front(), 0.0);   // warm-up: no regulariser
    const double pushed = *std::max_element(round.begin(), round.end());
    QVERIFY2(round.back() < 0.05 * pushed, qPrintable(QStringLiteral("%1 of %2").arg(round.back()).arg(pushed)));
    for (const auto &r : rounding) {
        QVERIFY2(r.undecidedShare() < 0.01, qPrintable(QString::number(r.undecidedShare()))); // h ends binary
        QVERIFY(r.flippedShare() > 0);      // and not simply round-to-nearest
    }
}

void TestBrecqMethod::activationCheckpointsKeepTheBestSteps()
{
    torch::manual_seed(3);
    const model::QuantGraph graph(m_model);
    const size_t block = 1;
    const auto ids = graph.units()[block].layerIds;
    auto floatSession = graph.makeSession();
    torch::Tensor in, target;
    std::map<int, quant::QuantGrid> grids; // 3-bit grids fitted on the float block's inputs
    floatSession.setObserver([&](int layer, const torch::Tensor &x) {
        if (!grids.count(layer))
            grids.emplace(layer, quant::UniformQuantizer::fitActivation(x, 3));
    });
    {
        torch::NoGradGuard noGrad;
        in = graph.runUnit(0, torch::randn({128, 1, 8, 8}), floatSession);
        target = graph.runUnit(block, in, floatSession);
    }
    for (int id : ids)
        QVERIFY(grids.count(id));

    // The loss before and after learning the block's steps, at a rate far too high for them.
    const auto learn = [&](int checkpoints) {
        auto session = graph.makeSession();
        std::vector<quant::LsqActivation> steps;
        for (int id : ids) {
            steps.emplace_back(grids.at(id));
            session.setActivationQuantizer(id, grids.at(id).quantizer());
        }
        quant::UnitReconstructor unit(graph, block, session, in, target, {});
        const double before = unit.outputLoss(2.4);
        quant::ReconstructionOptions o;
        o.iterations = 40;
        o.lr = 0.3;
        o.p = 2.4;
        o.checkpoints = checkpoints;
        jobs::JobContext context;
        unit.reconstructActivations(ids, steps, o, context);
        return std::make_pair(before, unit.outputLoss(2.4));
    };
    const auto [start, last] = learn(0);
    QVERIFY2(last > 1.05 * start,
             qPrintable(QStringLiteral("last %1, start %2").arg(last).arg(start)));
    const auto [again, kept] = learn(4);
    QCOMPARE(again, start);
    QVERIFY2(kept <= start, qPrintable(QStringLiteral("kept %1, start %2").arg(kept).arg(start)));
}

void TestBrecqMethod::wholeRunReportsBlocks()
{
    jobs::QuantizeJob job(request(4, 4, {{"iterations", "40"}, {"act_iterations", "20"},
                                         {"loss", "fisher"}}));
    jobs::JobContext context;
    std::map<std::string, int> series;
    std::vector<jobs::LayerSnapshot> snapshots;
    context.onMetric = [&](const jobs::MetricPoint &p) { ++series[p.series]; };
    context.onSnapshot = [&](const jobs::LayerSnapshot &s) { snapshots.push_back(s); };
    job.run(context);
    QCOMPARE(job.record().status, std::string("finished"));
    // The stem and the head (8 bits) keep nearest rounding and their calibrated 8-bit steps, as
    // the released code's first layer: only the two blocks between learn.
    const size_t units = model::QuantGraph(m_model).units().size();
    QCOMPARE(series["recon"], int(units - 2) * 40);
    QCOMPARE(series["round"], int(units - 2) * 40);
    QCOMPARE(series["act_recon"], int(units - 2) * 20);
    QCOMPARE(series["block_recon"], int(units));
    QCOMPARE(series["block_act_recon"], int(units));
    QCOMPARE(snapshots.size(), size_t(2 * 7)); // before and after, every layer
    QCOMPARE(snapshots.back().stage, std::string("reconstructed"));
    QVERIFY(QString::fromStdString(snapshots.back().note).contains(QStringLiteral("rounded up")));
    QCOMPARE(job.layers()[1].wbits, 4.0);
    QCOMPARE(job.layers()[2].abits, 4.0);
    // As the released code: the stem's output (read by layer 1) and the head's input at 8 bits.
    QCOMPARE(job.layers()[1].abits, 8.0);
    QCOMPARE(job.layers().back().abits, 8.0);
    QCOMPARE(job.layers().front().abits, 8.0);
    QVERIFY(job.record().top1 > 0);
    // The stored weights lie on a 4-bit grid: at most 16 levels per output channel.
    model::QuantGraph artifact(job.record().artifact);
    QVERIFY(std::get<0>(torch::_unique(artifact.floatWeight(1)[0])).numel() <= 16);
}

// The units compute in channels-last on the CPU; a head that views its maps flat
// (x.view(n, -1)) runs on contiguous ones, in its reconstruction and behind the Fisher weights of
// the units before it, which run the rest of the network.
void TestBrecqMethod::headThatViewsItsMapsRuns()
{
    jobs::QuantizeJob job(request(2, 4, {{"iterations", "20"}, {"act_iterations", "10"},
                                         {"loss", "fisher"}, {"first_last_bits", "0"}},
                                  QUANTSCOPE_FIXTURE_DIR "/tiny_view_cnn_traced.pt"));
    jobs::JobContext context;
    job.run(context);
    QVERIFY2(job.record().status == "finished", job.record().error.c_str());
    QCOMPARE(job.layers().back().wbits, 2.0);
    QVERIFY(job.record().top1 > 0);
}

// A preset gives each block a number of samples, so the iterations follow the batch, which is
// capped at the calibration images: the fast preset's 32 000 rounding and 8 000 activation
// samples are 500 and 125 iterations of the 64 images here (batch_size 128 asked for), and
// the activation steps follow their own batch where one is set.
void TestBrecqMethod::presetFixesTheSamplesPerBlock_data()
{
    QTest::addColumn<QString>("actBatch");
    QTest::addColumn<double>("actIterations");
    QTest::newRow("one batch") << "0" << 125.0;
    QTest::newRow("activation batch 32") << "32" << 250.0;
}

void TestBrecqMethod::presetFixesTheSamplesPerBlock()
{
    QFETCH(QString, actBatch);
    QFETCH(double, actIterations);
    jobs::QuantizeJob job(request(4, 4, {{"preset", "fast"}, {"batch_size", "128"},
                                         {"act_batch_size", actBatch.toStdString()}}));
    jobs::JobContext context;
    double lastRounding = 0, lastActivation = 0;
    context.onMetric = [&](const jobs::MetricPoint &p) {
        if (p.series == "recon")
            lastRounding = std::max(lastRounding, p.step);
        if (p.series == "act_recon")
            lastActivation = std::max(lastActivation, p.step);
    };
    job.run(context);
    QCOMPARE(job.record().status, std::string("finished"));
    // The last unit, the 8-bit head, learns nothing: the last steps are the unit before.
    const double units = double(model::QuantGraph(m_model).units().size());
    QCOMPARE(lastRounding, 500 * (units - 1));
    QCOMPARE(lastActivation, 500 * units + actIterations * (units - 1));
}

// The average weight bits of the layers between the first and the last, the ones the search
// allocates.
static double innerAverageBits(const std::vector<store::LayerRecord> &layers)
{
    double bits = 0, params = 0;
    for (size_t i = 1; i + 1 < layers.size(); ++i) {
        bits += layers[i].wbits * double(layers[i].params);
        params += double(layers[i].params);
    }
    return bits / params;
}

void TestBrecqMethod::mixedPrecisionRespectsTheBudget()
{
    const auto mixedRun = [&](const std::string &target, const std::string &allocation) {
        return request(4, 32, {{"iterations", "20"}, {"mixed_precision", "true"},
                               {"target_bits", target}, {"allocation", allocation},
                               {"loss", "mse"}});
    };
    jobs::QuantizeJob job(mixedRun("3", "search"));
    jobs::JobContext context;
    std::map<std::string, double> bits;
    double searched = -1, uniform = -1; // measured sensitivities: the search's best, uniform bits
    context.onMetric = [&](const jobs::MetricPoint &p) {
        if (p.series.rfind("bits/", 0) == 0)
            bits[p.series] = p.value;
        if (p.series == "mp_sensitivity")
            searched = p.value;
        if (p.series == "mp_uniform_sensitivity")
            uniform = p.value;
    };
    job.run(context);
    QCOMPARE(bits.size(), size_t(7));
    QVERIFY(uniform > 0);
    QVERIFY2(searched >= 0 && searched <= uniform,
             qPrintable(QString("searched %1, uniform %2").arg(searched).arg(uniform)));
    QCOMPARE(job.layers().front().wbits, 8.0); // first and last stay at 8
    QCOMPARE(job.layers().back().wbits, 8.0);
    // The labels say the budget and then the average reached, not the ignored weight bits.
    QCOMPARE(job.title(), std::string("brecq W≤3A32"));
    QVERIFY2(job.record().bitsLabel() != "W4A32" && job.record().bitsLabel().rfind("W", 0) == 0,
             job.record().bitsLabel().c_str());
    for (const auto &l : job.layers())
        QVERIFY(l.wbits >= 2 && l.wbits <= 8 && l.wbits == std::round(l.wbits));

    // The target counts the searched layers, as uniform bits do: target 3 is uniform 3 bits'
    // size, so the uniform allocation at it is 3 bits everywhere and the model is no larger.
    jobs::QuantizeJob equal(mixedRun("3", "uniform"));
    jobs::JobContext quiet;
    equal.run(quiet);
    for (size_t i = 1; i + 1 < equal.layers().size(); ++i)
        QCOMPARE(equal.layers()[i].wbits, 3.0);
    QVERIFY2(innerAverageBits(job.layers()) <= 3.0 + 1e-9,
             qPrintable(QString::number(innerAverageBits(job.layers()))));
    QVERIFY(job.record().avgWbits <= equal.record().avgWbits + 1e-9);

    // A fractional target lies between the uniform sizes and is kept.
    jobs::QuantizeJob between(mixedRun("2.5", "search"));
    between.run(quiet);
    QVERIFY(innerAverageBits(between.layers()) <= 2.5 + 1e-9);
    QVERIFY(innerAverageBits(between.layers()) > 2.0);
}

// The same network with the stem's and layer1's outputs 64 times larger (their BatchNorm's
// scale and shift ×64; the BatchNorms reading them take running statistics ×64 and ×64², so
// they give what they gave): the function is unchanged, and a power of two scales every folded
// weight, rounding grid and error exactly. The sensitivities are errors relative to each block's
// output, so the search sees the same problem and allocates the same bits; absolute errors
// 4096 times larger in layer1 would move bits to it.
void TestBrecqMethod::allocationIgnoresTheScaleOfBlockOutputs()
{
    const double c = 64;
    auto scaled = torch::jit::load(m_model);
    {
        torch::NoGradGuard noGrad;
        const auto module = [&](const std::string &path) {
            auto m = scaled;
            std::stringstream parts(path);
            for (std::string name; std::getline(parts, name, '.');)
                m = m.attr(name).toModule();
            return m;
        };
        const auto tensor = [&](const std::string &path, const std::string &name) {
            return module(path).attr(name).toTensor();
        };
        for (const std::string bn : {"bn", "layer1.bn2"}) {
            tensor(bn, "weight").mul_(c);
            tensor(bn, "bias").mul_(c);
        }
        for (const std::string bn : {"layer1.bn1", "layer2.bn1", "layer2.downsample.1"}) {
            tensor(bn, "running_mean").mul_(c);
            tensor(bn, "running_var").mul_(c * c);
        }
    }
    const std::string scaledPath = m_dir.filePath(QStringLiteral("scaled.pt")).toStdString();
    scaled.save(scaledPath);
    const auto x = torch::rand({16, 1, 8, 8});
    const auto expected = torch::jit::load(m_model).forward({x}).toTensor();
    QVERIFY(torch::allclose(scaled.forward({x}).toTensor(), expected, 1e-4, 1e-5));

    const auto allocation = [&](const std::string &modelPath) {
        auto r = request(4, 32, {{"iterations", "2"}, {"mixed_precision", "true"},
                                 {"target_bits", "3"}, {"loss", "mse"}});
        r.modelPath = modelPath;
        jobs::QuantizeJob job(r);
        jobs::JobContext context;
        std::map<std::string, double> bits;
        context.onMetric = [&](const jobs::MetricPoint &p) {
            if (p.series.rfind("bits/", 0) == 0)
                bits[p.series] = p.value;
        };
        job.run(context);
        return bits;
    };
    const auto original = allocation(m_model);
    const auto rescaled = allocation(scaledPath);
    QCOMPARE(rescaled.size(), size_t(7));
    for (const auto &[layer, bits] : original)
        QVERIFY2(rescaled.at(layer) == bits,
                 qPrintable(QString("%1: %2 bits, scaled %3")
                                .arg(QString::fromStdString(layer))
                                .arg(bits)
                                .arg(rescaled.at(layer))));
}

void TestBrecqMethod::cancelStopsWithinASecond()
{
    jobs::QuantizeJob job(request(2, 4, {{"iterations", "1000000"}}));
    jobs::JobContext context;
    std::atomic<bool> reconstructing{false};
    context.onProgress = [&](double, const std::string &stage) {
        if (stage.find("rounding") != std::string::npos)
            reconstructing = true;
    };
    QElapsedTimer sinceCancel;
    std::thread canceller([&] {
        while (!reconstructing)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        sinceCancel.start();
        context.cancel();
    });
    QVERIFY_THROWS_EXCEPTION(Cancelled, job.run(context));
    const qint64 ms = sinceCancel.elapsed();
    canceller.join();
    QVERIFY2(ms < 1000, qPrintable(QString::number(ms)));
    const auto stored = store::Workspace(request(2, 4, {}).workspaceDir).run(job.runId());
    QCOMPARE(stored.status, std::string("cancelled"));
    // Cancelled in the first block that learns its rounding: the 8-bit stem before it is done.
    QVERIFY2(QString::fromStdString(stored.error).contains(QStringLiteral("1 of 8 block")),
             stored.error.c_str());
}

QTEST_APPLESS_MAIN(TestBrecqMethod)
#include "tst_brecq_method.moc"
