// SPDX-License-Identifier: MIT
#include "alq_method.h"

#include "activation_calibrator.h"
#include "analysis/evaluator.h"
#include "analysis/weight_histogram.h"
#include "basis_pruner.h"
#include "binary_basis_layer.h"
#include "error.h"
#include "loss_aware_optimizer.h"
#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace quantscope::quant {

namespace {

using Type = ParamSpec::Type;

enum class Phase { Basis, Coordinate, Prune, Shadow };

const char *phaseName(Phase p)
{
    switch (p) {
    case Phase::Basis: return "basis";
    case Phase::Coordinate: return "coordinate";
    case Phase::Prune: return "prune";
    case Phase::Shadow: return "post-train";
    }
    return "";
}

struct PhasePlan
{
    Phase phase;
    int epochs = 1;
    int round = 0;          // pruning round (1-based); 0 = the post-training phase
    bool resetsLr = false;  // the learning rate starts again here (each round, post-training)
};

// The official schedule (ALGORITHMS-NOTES §4.5): per round basis → coordinate → pruning
// epochs, then post-training by shadow (STE) epochs and coordinate epochs.
std::vector<PhasePlan> schedule(const MethodSettings &s)
{
    std::vector<PhasePlan> plan;
    auto add = [&](Phase p, int epochs, int round, bool reset) {
        if (epochs > 0)
            plan.push_back({p, epochs, round, reset});
    };
    const int rounds = s.integer("rounds");
    for (int r = 1; r <= rounds; ++r) {
        const size_t before = plan.size();
        add(Phase::Basis, s.integer("basis_epochs"), r, false);
        add(Phase::Coordinate, s.integer("coordinate_epochs"), r, false);
        add(Phase::Prune, std::max(1, s.integer("prune_epochs")), r, false);
        plan[before].resetsLr = true;
    }
    const size_t post = plan.size();
    add(Phase::Shadow, s.integer("post_epochs"), 0, false);
    add(Phase::Coordinate, s.integer("post_coordinate_epochs"), 0, false);
    if (post < plan.size())
        plan[post].resetsLr = true;
    return plan;
}

// Groups by module type as the official ResNet recipe: the first convolution (and any
// depthwise one, whose taps hold a single weight) per filter, other convolutions per spatial
// tap or as chosen, linear layers' rows in pieces.
BinaryBasisLayer makeLayer(const model::LayerInfo &l, const torch::Tensor &w, bool first,
                           const MethodSettings &s)
{
    const int bases = s.integer("max_bases");
    if (l.kind == model::LayerKind::Linear)
        return BinaryBasisLayer(w, BasisGrouping::SubChannel, bases, s.integer("fc_pieces"));
    const auto choice = s.text("conv_groups");
    const bool depthwise = w.size(1) == 1;
    if (first || depthwise || choice == "channel")
        return BinaryBasisLayer(w, BasisGrouping::Channel, bases);
    return BinaryBasisLayer(w, choice == "kernel" ? BasisGrouping::Kernel : BasisGrouping::Pixel,
                            bases);
}

// Network average bits: each basis costs one bit per weight of its group.
double totalBits(const std::vector<BinaryBasisLayer> &layers)
{
    double bits = 0;
    for (const auto &l : layers)
        bits += double(l.activeBases() * l.groupSize());
    return bits;
}

} // namespace

std::vector<ParamSpec> AlqMethod::params() const
{
    return {
        {"target_bits", "Target average bits", Type::Double, "0", 0, 8, {},
         "Average weight bits to prune down to (e.g. 2, 1, 0.7); 0 = the run's weight bits."},
        {"max_bases", "Initial bases per group", Type::Int, "6", 1, 8, {},
         "I_max: binary bases each group starts with (greedy residual fit)."},
        {"rounds", "Pruning rounds", Type::Int, "3", 0, 20, {},
         "Rounds of basis → coordinate → pruning epochs; each removes the same share of the "
         "bits left. 0 = no pruning: I_max bases, then post-training only."},
        {"basis_epochs", "Basis epochs per round", Type::Int, "2", 0, 100, {},
         "Loss-aware steps on codes and scales."},
        {"coordinate_epochs", "Coordinate epochs per round", Type::Int, "1", 0, 100, {},
         "Loss-aware steps on the scales alone."},
        {"prune_epochs", "Pruning epochs per round", Type::Int, "1", 1, 100, {},
         "Epochs over which a round's bases are removed, a few per mini-batch."},
        {"post_epochs", "Post-training epochs", Type::Int, "8", 0, 1000, {},
         "Straight-through steps from float shadow weights, with the allocation fixed."},
        {"post_coordinate_epochs", "Final coordinate epochs", Type::Int, "2", 0, 1000, {}, ""},
        {"batch_size", "Batch size", Type::Int, "128", 1, 4096, {}, ""},
        {"lr", "Learning rate", Type::Double, "0.001", 1e-7, 1, {},
         "AMSGrad step size; reset at the start of each round and of post-training."},
        {"basis_decay", "Decay per basis epoch", Type::Double, "0.8", 0.01, 1, {},
         "The learning rate is multiplied by this before each basis or post-training epoch."},
        {"coordinate_decay", "Decay per coordinate epoch", Type::Double, "0.8", 0.01, 1, {}, ""},
        {"conv_groups", "Convolution groups", Type::Choice, "pixel", 0, 0,
         {"pixel", "kernel", "channel"},
         "pixel: a filter's input channels at one tap (the ResNet recipe); kernel: one k×k "
         "kernel; channel: a whole filter. The first convolution is always per filter."},
        {"fc_pieces", "Pieces per linear row", Type::Int, "2", 1, 64, {},
         "Each output row of a linear layer is cut into this many groups."},
        {"train_limit", "Images per epoch", Type::Int, "0", 0, 1e9, {},
         "0 = the whole training split; otherwise this many random images per epoch."},
        {"calib_images", "Calibration images", Type::Int, "256", 1, 100000, {},
         "Images that set the activation grids when activations are quantized."},
        {"seed", "Seed", Type::Int, "0", 0, 1e9, {}, "Shuffling and calibration."},
    };
}

QuantizedModel AlqMethod::run(const MethodInput &input, jobs::JobContext &context)
{
    const auto &s = input.settings;
    const auto &graph = input.graph;
    const auto &layers = graph.layers();
    const double target = s.real("target_bits") > 0 ? s.real("target_bits") : double(s.wbits);
    const auto seed = static_cast<uint64_t>(s.integer("seed"));
    const auto started = std::chrono::steady_clock::now();
    if (!s.layerBits.empty())
        throw Error("ALQ learns every layer's bits: per-layer bit overrides do not apply");

    context.progress(0, "initial bases");
    std::vector<BinaryBasisLayer> bases;
    double params = 0;
    for (const auto &l : layers) {
        bases.push_back(makeLayer(l, graph.floatWeight(l.id), l.id == 0, s));
        params += double(l.params);
        context.checkCancelled();
    }
    LossAwareOptimizer optimizer(bases);
    const double startBits = totalBits(bases) / params;
    if (s.integer("rounds") == 0 && startBits > target + 1e-9) {
        char text[200];
        std::snprintf(text, sizeof text,
                      "no pruning rounds: the run keeps its %.2f initial bits, above the target "
                      "%.2f (set rounds, or max_bases to the target)",
                      startBits, target);
        context.warn(text);
    }
    context.metric("phase_seconds/init", 0,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                       .count());

    // Activations: float unless asked (the official code's setting); the image itself is
    // 8-bit data, so the first layer's input keeps 8 bits at least.
    auto session = graph.makeSession();
    std::vector<int> abits(layers.size(), s.abits >= 32 ? 32 : s.abits);
    if (s.abits < 32)
        abits.front() = std::max(abits.front(), 8);
    std::vector<std::optional<QuantGrid>> actGrids(layers.size());
    if (s.abits < 32) {
        for (size_t i = 0; i < layers.size(); ++i)
            session.setWeight(int(i), bases[i].reconstruct());
        const data::BatchLoader calibration(
            input.train, input.transform,
            data::BatchLoader::randomSubset(input.train, s.integer("calib_images"), seed), 128);
        actGrids = ActivationCalibrator::calibrate(graph, session, calibration, abits,
                                                   context.stage(0.0, 0.03));
        for (size_t i = 0; i < layers.size(); ++i)
            if (actGrids[i])
                session.setActivationQuantizer(int(i), actGrids[i]->quantizer());
    }

    auto emitState = [&](int epoch, const std::string &stage) {
        torch::NoGradGuard noGrad;
        for (size_t i = 0; i < layers.size(); ++i) {
            const auto &b = bases[i];
            const auto w = b.reconstruct();
            jobs::LayerSnapshot snap;
            snap.layer = int(i);
            snap.layerName = layers[i].name;
            snap.step = epoch;
            snap.stage = stage;
            b.describe(snap);
            analysis::WeightHistogram::fill(snap, w);
            context.snapshot(snap);
            context.metric("bits/" + layers[i].name, epoch, b.averageBits());
        }
        context.metric("avg_bits", epoch, totalBits(bases) / params);
    };
    emitState(0, "greedy init");

    // The leaves the forward pass reads ŵ from; their gradients are ∂L/∂ŵ.
    std::vector<torch::Tensor> leaves(layers.size());
    auto forward = [&](const torch::Tensor &x) {
        for (size_t i = 0; i < layers.size(); ++i) {
            leaves[i] = bases[i].reconstruct().requires_grad_(true);
            session.setWeight(int(i), leaves[i]);
        }
        return graph.forward(x, session);
    };
    auto evaluate = [&] {
        torch::NoGradGuard noGrad;
        for (size_t i = 0; i < layers.size(); ++i)
            session.setWeight(int(i), bases[i].reconstruct());
        return analysis::Evaluator::evaluate(graph, session, *input.test, input.transform,
                                             input.evalLimit)
            .top1;
    };

    const auto plan = schedule(s);
    int totalEpochs = 0;
    for (const auto &p : plan)
        totalEpochs += p.epochs;
    const int rounds = s.integer("rounds");

    int epochsDone = 0;
    int64_t stepsDone = 0;
    double lr = s.real("lr");
    for (size_t p = 0; p < plan.size(); ++p) {
        const auto &phase = plan[p];
        if (phase.resetsLr)
            lr = s.real("lr");
        const double decay = phase.phase == Phase::Coordinate ? s.real("coordinate_decay")
                                                              : s.real("basis_decay");
        if (phase.phase != Phase::Prune)
            lr *= decay;
        if (phase.phase == Phase::Shadow)
            optimizer.startShadow();
        train::TrainOptions options;
        options.epochs = phase.epochs;
        options.batchSize = s.integer("batch_size");
        options.schedule = "constant";
        options.augment = false;
        options.seed = seed + 7919 * uint64_t(p + 1);
        options.limit = s.integer("train_limit");
        const double goalBits =
            BasisPruner::roundTarget(startBits, target, phase.round, rounds) * params;
        const int64_t pruneBatches =
            train::Trainer::batchesPerEpoch(input.train, options) * phase.epochs;
        int64_t pruneBatch = 0;

        train::TrainHooks hooks;
        hooks.step = [&](double) {
            std::vector<torch::Tensor> gradients;
            for (const auto &leaf : leaves)
                gradients.push_back(leaf.grad());
            optimizer.accumulate(gradients);
            switch (phase.phase) {
            case Phase::Basis: optimizer.basisStep(lr); break;
            case Phase::Coordinate: optimizer.coordinateStep(lr); break;
            case Phase::Shadow: optimizer.shadowStep(lr); break;
            case Phase::Prune: {
                const double budget = BasisPruner::batchBudget(totalBits(bases), goalBits,
                                                               pruneBatches - pruneBatch++);
                std::vector<torch::Tensor> importance;
                std::vector<int64_t> cost;
                for (size_t i = 0; i < bases.size(); ++i) {
                    importance.push_back(optimizer.importance(int(i), lr));
                    cost.push_back(bases[i].groupSize());
                }
                const auto chosen = BasisPruner::select(importance, cost, budget);
                for (size_t i = 0; i < bases.size(); ++i)
                    bases[i].prune(chosen[i]);
                break;
            }
            }
        };
        hooks.afterStep = [&](int64_t) { ++stepsDone; };
        auto epochStart = std::chrono::steady_clock::now();
        hooks.afterEpoch = [&](const train::EpochReport &r) {
            ++epochsDone;
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - epochStart)
                    .count();
            context.metric(std::string("phase_seconds/") + phaseName(phase.phase), epochsDone,
                           seconds);
            context.metric("epoch_loss", epochsDone, r.trainLoss);
            context.metric("train_top1", epochsDone, r.trainTop1);
            context.metric("lr", epochsDone, lr);
            if (input.test)
                context.metric("test_top1", epochsDone, evaluate());
            emitState(epochsDone, std::string(phaseName(phase.phase)) +
                                      (phase.round > 0 ? " " + std::to_string(phase.round) : ""));
            if (r.epoch < phase.epochs && phase.phase != Phase::Prune)
                lr *= decay;
            epochStart = std::chrono::steady_clock::now();
        };

        auto stage = context.stage(0.03 + 0.97 * epochsDone / totalEpochs,
                                   0.03 + 0.97 * (epochsDone + phase.epochs) / totalEpochs);
        // The trainer counts steps and epochs per call: say which phase, and keep its loss
        // curve on the run's step axis.
        const auto progress = stage.onProgress;
        const std::string label = std::string(phaseName(phase.phase)) +
                                  (phase.round > 0 ? " (round " + std::to_string(phase.round) +
                                                         "/" + std::to_string(rounds) + ")"
                                                   : "");
        stage.onProgress = [progress, label](double f, const std::string &text) {
            progress(f, label + " · " + text);
        };
        const auto metric = stage.onMetric;
        const int64_t offset = stepsDone;
        stage.onMetric = [metric, offset](jobs::MetricPoint point) {
            point.step += double(offset);
            metric(point);
        };
        train::Trainer::train(forward, {}, input.train, input.transform, options, stage, hooks);
    }

    QuantizedModel result;
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < layers.size(); ++i) {
        result.weights.push_back(bases[i].reconstruct());
        result.weightGrids.push_back({}); // a non-uniform value set per group: no grid
        result.wbits.push_back(bases[i].averageBits());
        result.abits.push_back(abits[i]);
        result.activationGrids.push_back(actGrids[i]);
        auto state = bases[i].state();
        for (auto &entry : optimizer.state(int(i)))
            state.push_back(std::move(entry));
        result.layerState.push_back(std::move(state));
    }
    context.progress(1.0, "done");
    return result;
}

} // namespace quantscope::quant
