// SPDX-License-Identifier: MIT
#include "dsq_method.h"

#include "activation_calibrator.h"
#include "analysis/evaluator.h"
#include "analysis/grid_units.h"
#include "analysis/weight_histogram.h"
#include "bit_plan.h"
#include "dsq_quantizer.h"
#include "lsq_gradient_scale.h"
#include "qat_settings.h"
#include "train/trainer.h"
#include "uniform_quantizer.h"

#include <cmath>
#include <cstdio>
#include <memory>

namespace quantscope::quant {

namespace {

using Type = ParamSpec::Type;

// Weights start from the MSE-fitted range, per output channel or per tensor. BatchNorm is
// folded into the weights, so channels differ in scale by as much as BN's γ/σ did: one range per
// channel plays the part of the paper's unfolded BN.
DsqQuantizer weightQuantizer(const torch::Tensor &w, int bits, bool perChannel, double alpha)
{
    if (bits == 1) {
        // Binary: the symmetric ±mean|w|, the L2-optimal scale for sign(w).
        const auto a = w.reshape({perChannel ? w.size(0) : 1, -1}).abs().mean(1);
        return DsqQuantizer(1, -a, a, alpha);
    }
    WeightGridOptions o;
    o.bits = bits;
    o.perChannel = perChannel;
    const auto grid = UniformQuantizer::fitWeight(w, o);
    const auto zero = grid.zeroPoint.to(torch::kFloat32);
    return DsqQuantizer(bits, grid.scale * (double(grid.qmin) - zero),
                        grid.scale * (double(grid.qmax) - zero), alpha);
}

// What a histogram of latent weights cannot show by itself: α (how hard the soft steps have
// become) and how many weights the range clips.
std::string snapshotNote(const DsqQuantizer &q, const torch::Tensor &latent)
{
    char text[160];
    std::snprintf(text, sizeof text, "α %.3f · %.1f %% clipped", q.alpha(),
                  100.0 * q.clippedShare(latent));
    return text;
}

} // namespace

std::vector<ParamSpec> DsqMethod::params() const
{
    auto specs = BitPlan::commonParams();
    for (auto &p : QatSettings::head())
        specs.push_back(std::move(p));
    specs.push_back({"quant_lr", "Quantizer learning rate", Type::Double, "0.005", 0, 10, {},
                     "Learning rate of the clip bounds and α; 0 freezes them."});
    for (auto &p : QatSettings::weightDecayAndSchedule())
        specs.push_back(std::move(p));
    specs.push_back({"per_channel", "Per-channel weight ranges", Type::Bool, "true", 0, 0, {},
                     "One clip range per output channel (BatchNorm is folded into the weights); "
                     "off = one per layer, as the paper with unfolded BatchNorm."});
    specs.push_back({"scale_gradients", "Scale quantizer gradients", Type::Bool, "true", 0, 0, {},
                     "Divide the gradients of the clip bounds by sqrt(elements × levels), as LSQ "
                     "does (α keeps its own)."});
    specs.push_back({"alpha", "Initial α", Type::Double, "0.2", DsqQuantizer::kAlphaMin,
                     DsqQuantizer::kAlphaMax, {},
                     "Characteristic variable: the gap between soft and hard steps (0 = hard)."});
    for (auto &p : QatSettings::tail("Shuffling and calibration."))
        specs.push_back(std::move(p));
    return specs;
}

QuantizedModel DsqMethod::run(const MethodInput &input, jobs::JobContext &context)
{
    const auto &s = input.settings;
    const auto &graph = input.graph;
    const auto &layers = graph.layers();
    const auto plan = BitPlan::make(layers, s);
    const double alpha = s.real("alpha");
    const auto seed = static_cast<uint64_t>(s.integer("seed"));

    // Latent weights and their quantizers.
    std::vector<torch::Tensor> latent;
    std::vector<DsqQuantizer> weightQuantizers;
    const bool perChannel = s.flag("per_channel");
    const bool scaleGradients = s.flag("scale_gradients");
    for (const auto &l : layers) {
        latent.push_back(graph.floatWeight(l.id).clone().requires_grad_(true));
        const int bits = plan.wbits[l.id];
        auto q = weightQuantizer(latent.back().detach(), bits, perChannel, alpha);
        if (scaleGradients)
            q.setGradientScale(lsqGradientScale(l.params / q.channels(), (1 << bits) - 1));
        q.moveTo(graph.device());
        weightQuantizers.push_back(std::move(q));
    }

    // Activation quantizers, initialised from the float model's calibrated ranges.
    auto session = graph.makeSession();
    const data::BatchLoader calibration(
        input.train, input.transform,
        data::BatchLoader::randomSubset(input.train, s.integer("calib_images"), seed), 128);
    const auto calibrationStage = context.stage(0.0, 0.05);
    const auto grids = ActivationCalibrator::calibrate(graph, session, calibration, plan.abits,
                                                       calibrationStage);
    std::vector<std::unique_ptr<DsqQuantizer>> actQuantizers(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
        if (!grids[i])
            continue;
        const auto levels = grids[i]->levels();
        const bool nonNegative = levels.front() >= 0;
        actQuantizers[i] = std::make_unique<DsqQuantizer>(plan.abits[i], levels.front(),
                                                          levels.back(), alpha, nonNegative);
        actQuantizers[i]->moveTo(graph.device());
        if (scaleGradients) {
            actQuantizers[i]->setGradientScale(
                lsqGradientScale(layers[i].inputElements(), (1 << plan.abits[i]) - 1));
        }
        const DsqQuantizer *q = actQuantizers[i].get();
        session.setActivationQuantizer(int(i), [q](const torch::Tensor &x) { return q->forward(x); });
    }

    train::ParameterGroup weights{latent, s.real("lr"), s.real("weight_decay")};
    train::ParameterGroup quantizers;
    quantizers.learningRate = std::max(s.real("quant_lr"), 1e-12);
    if (s.real("quant_lr") > 0) {
        for (const auto &q : weightQuantizers)
            for (const auto &p : q.parameters())
                quantizers.tensors.push_back(p);
        for (const auto &q : actQuantizers)
            if (q)
                for (const auto &p : q->parameters())
                    quantizers.tensors.push_back(p);
    }

    auto emitSnapshots = [&](int step, const std::string &stage) {
        torch::NoGradGuard noGrad;
        for (size_t i = 0; i < layers.size(); ++i) {
            jobs::LayerSnapshot snap;
            snap.layer = int(i);
            snap.layerName = layers[i].name;
            snap.step = step;
            snap.stage = stage;
            snap.bits = plan.wbits[i];
            const auto &q = weightQuantizers[i];
            snap.gridLevels = q.levels(q.widestChannel());
            snap.note = snapshotNote(q, latent[i]);
            analysis::WeightHistogram::fill(snap, latent[i]);
            analysis::GridUnits::fill(snap, latent[i], q.geometry());
            context.snapshot(snap);
            context.metric("alpha/" + layers[i].name, step, q.alpha());
        }
    };
    emitSnapshots(0, "start");

    const auto options = QatSettings::options(s);
    const int snapshotEvery = s.integer("snapshot_every");
    auto trainStage = context.stage(0.05, 1.0);

    int64_t stepsDone = 0;
    train::TrainHooks hooks;
    hooks.afterStep = [&](int64_t step) {
        stepsDone = step + 1;
        for (auto &q : weightQuantizers)
            q.constrain();
        for (auto &q : actQuantizers)
            if (q)
                q->constrain();
        if ((step + 1) % snapshotEvery == 0)
            emitSnapshots(int(step + 1), "training");
    };
    hooks.afterEpoch = [&](const train::EpochReport &r) {
        trainStage.metric("epoch_loss", r.epoch, r.trainLoss);
        trainStage.metric("train_top1", r.epoch, r.trainTop1);
        trainStage.metric("epoch_seconds", r.epoch, r.seconds);
        if (!input.test)
            return;
        // The training session already serves the activation quantizers; the next step
        // replaces these weights with its own.
        {
            torch::NoGradGuard noGrad;
            for (size_t i = 0; i < layers.size(); ++i)
                session.setWeight(int(i), weightQuantizers[i].forward(latent[i]));
        }
        const auto result = analysis::Evaluator::evaluate(graph, session, *input.test,
                                                          input.transform, input.evalLimit);
        trainStage.metric("test_top1", r.epoch, result.top1);
    };

    train::Trainer::train(
        [&](const torch::Tensor &x) {
            for (size_t i = 0; i < layers.size(); ++i)
                session.setWeight(int(i), weightQuantizers[i].forward(latent[i]));
            return graph.forward(x, session);
        },
        {weights, quantizers}, input.train, input.transform, options, trainStage, hooks);

    QuantizedModel result;
    result.wbits.assign(plan.wbits.begin(), plan.wbits.end());
    result.abits.assign(plan.abits.begin(), plan.abits.end());
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < layers.size(); ++i) {
        result.weights.push_back(weightQuantizers[i].forward(latent[i]).detach());
        result.weightGrids.push_back(weightQuantizers[i].geometry());
        result.activationGrids.push_back(actQuantizers[i]
                                             ? std::optional<QuantGrid>(actQuantizers[i]->toGrid())
                                             : std::nullopt);
    }
    emitSnapshots(int(stepsDone), "final"); // steps, like the snapshots before it
    context.progress(1.0, "done");
    return result;
}

} // namespace quantscope::quant
