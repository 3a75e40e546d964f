// SPDX-License-Identifier: MIT
#include "cpq_method.h"

#include "activation_calibrator.h"
#include "analysis/evaluator.h"
#include "analysis/grid_units.h"
#include "analysis/weight_histogram.h"
#include "bit_gates.h"
#include "bit_plan.h"
#include "cpq_quantizer.h"
#include "error.h"
#include "lsq_gradient_scale.h"
#include "qat_settings.h"
#include "train/trainer.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

namespace quantscope::quant {

namespace {

using Type = ParamSpec::Type;

// One layer's weights: the quantizer at its bits (its initial bits when learned), and when its
// bits are learned the gates and a quantizer for each narrower width, fitted at that width —
// an 8-bit grid with its step doubled six times would be a poor 2-bit grid (its range fitted
// for 256 levels), and a layer that loses bits should keep a grid made for what it has left.
struct WeightLayer
{
    CpqQuantizer quantizer;
    std::unique_ptr<BitGates> gates;
    std::vector<CpqQuantizer> narrower; // minBits … initial − 1

    int bits() const { return gates ? gates->bits() : quantizer.bits(); }
    const CpqQuantizer &at(int bits) const
    {
        return bits == quantizer.bits() ? quantizer : narrower[size_t(bits - gates->minBits())];
    }
    const CpqQuantizer &current() const { return at(bits()); }
    std::vector<const CpqQuantizer *> all() const
    {
        std::vector<const CpqQuantizer *> out{&quantizer};
        for (const auto &q : narrower)
            out.push_back(&q);
        return out;
    }
};

// DropBits for fixed bits: each element drops its top bit level with probability p, the next
// one too with probability p again (levels nest), at most down to minBits — a truncated
// geometric number of dropped levels.
torch::Tensor dropBits(const torch::Tensor &like, double p, int most)
{
    const auto u = torch::rand(like.sizes()).clamp_min(1e-12);
    return (torch::log(u) / std::log(p)).floor().clamp(0, most).to(like.device(), torch::kInt8);
}

// ŵ of a gated layer: Q_min(w) + Σ_k Z_k·(Q_k(w) − Q_{k−1}(w)).
torch::Tensor gatedWeights(const WeightLayer &l, const torch::Tensor &latent, const torch::Tensor &z)
{
    const int top = l.gates->maxBits(), bottom = l.gates->minBits();
    const auto gates = z.to(latent.device()); // the gates stay on the CPU, beside their bits
    auto previous = l.at(bottom).forward(latent);
    auto out = previous;
    for (int k = bottom + 1; k <= top; ++k) {
        const auto next = l.at(k).forward(latent);
        out = out + gates[k - bottom - 1] * (next - previous);
        previous = next;
    }
    return out;
}

// The activation grid of a calibrated input as a CPQ quantizer: unsigned after ReLU, else
// signed and symmetric.
std::unique_ptr<CpqQuantizer> activationQuantizer(const QuantGrid &grid, int bits, double ratio)
{
    const auto levels = grid.levels();
    const bool nonNegative = levels.front() >= 0;
    const double step = nonNegative
                            ? levels.back() / double((1 << bits) - 1)
                            : std::max(-levels.front(), levels.back()) / double(1 << (bits - 1));
    return std::make_unique<CpqQuantizer>(
        bits, torch::tensor({float(std::max(step, 1e-8))}).to(grid.scale.device()), nonNegative,
        ratio);
}

// An 8-bit grid keeps the step it was fitted with, as BRECQ's 8-bit edges keep theirs. Its
// rounding error is already small, and a learned step moves all 256 levels under the weights:
// a change of 1 % shifts the outer levels by more than a step, so the weights cannot gather on
// them. On the demo at W2A2 the last layer's steps drifted 5-10 % in the first 50 steps and its
// weights stayed spread (0.24 within a tenth of a step of a level after 3 epochs, 0.36 with the
// step kept), and a few of the stem's channels had their steps driven to zero.
bool keepsFittedStep(const CpqQuantizer &q)
{
    return q.bits() >= 8;
}

// LSQ's gradient scale for a quantizer whose step `elements` values share.
double gradientScale(int64_t elements, const CpqQuantizer &q)
{
    return lsqGradientScale(elements, q.largestLevel());
}

std::string snapshotNote(const WeightLayer &l)
{
    char text[160];
    int used = std::snprintf(text, sizeof text, "ρ = σ/α %.3f%s", l.current().ratio(),
                             keepsFittedStep(l.current()) ? " · fitted step" : "");
    if (l.gates) {
        used += std::snprintf(text + used, sizeof text - size_t(used), " · keep");
        const auto keep = l.gates->keepProbabilities();
        for (size_t k = 0; k < keep.size() && used < int(sizeof text) - 8; ++k)
            used += std::snprintf(text + used, sizeof text - size_t(used), " %d:%.2f",
                                  l.gates->minBits() + int(k) + 1, keep[k]);
    }
    return text;
}

} // namespace

std::vector<ParamSpec> CpqMethod::params() const
{
    auto specs = BitPlan::commonParams();
    for (auto &p : QatSettings::head())
        specs.push_back(std::move(p));
    specs.push_back({"step_lr", "Step learning rate", Type::Double, "0.0005", 0, 10, {},
                     "Learning rate of the grid steps α; 0 freezes them."});
    specs.push_back({"noise_lr", "Noise learning rate", Type::Double, "0.001", 0, 10, {},
                     "Learning rate of ρ = σ/α, the logistic noise's scale per quantizer."});
    specs.push_back({"noise_ratio", "Initial σ/α", Type::Double, "0.1", CpqQuantizer::kRatioMin,
                     CpqQuantizer::kRatioMax, {},
                     "The logistic noise's scale in steps: how far the multi-class STE's gradient "
                     "reaches around each level (small: spikes between levels; large: plain STE)."});
    for (auto &p : QatSettings::weightDecayAndSchedule())
        specs.push_back(std::move(p));
    specs.push_back({"drop_rate", "DropBits rate", Type::Double, "0.2", 0, 0.9, {},
                     "Probability that a weight drops its top bit level in a step (and the next, "
                     "with the same probability); 0 = no DropBits. Never at evaluation."});
    specs.push_back({"drop_schedule", "DropBits schedule", Type::Choice, "decay", 0, 0,
                     {"decay", "constant"},
                     "decay: the rate falls linearly to 0 over training, so the last steps train "
                     "the grid that is evaluated."});
    specs.push_back({"learn_bits", "Learn bits per layer", Type::Bool, "false", 0, 0, {},
                     "Keep-gates per bit level and layer, learned with a regulariser on the "
                     "expected bits; the weight bits are where each layer starts."});
    specs.push_back({"min_bits", "Fewest bits", Type::Int, "2", 1, 7, {},
                     "The floor of learned bits (and of DropBits)."});
    specs.push_back({"target_bits", "Target average bits", Type::Double, "3", 0, 8, {},
                     "With learned bits: the average weight bits of the learned layers "
                     "(parameter-weighted) the regulariser's weight is steered to; 0 = use λ.",
                     {"learn_bits", "true"}});
    specs.push_back({"lambda", "λ (bits regulariser)", Type::Double, "0.001", 0, 100, {},
                     "Weight of the expected average bits in the loss: fixed when the target is "
                     "0, else its starting value.",
                     {"learn_bits", "true"}});
    specs.push_back({"gate_lr", "Gate learning rate", Type::Double, "0.05", 0, 10, {},
                     "Learning rate of the keep-gates' logits.",
                     {"learn_bits", "true"}});
    specs.push_back({"search_share", "Share of training for the bit search", Type::Double,
                     "0.34", 0.01, 1, {},
                     "With learned bits: the gates learn for this share of the steps; then the "
                     "allocation is fixed and the rest trains the weights on it.",
                     {"learn_bits", "true"}});
    for (auto &p : QatSettings::tail("Shuffling, calibration, DropBits and gate samples."))
        specs.push_back(std::move(p));
    return specs;
}

QuantizedModel CpqMethod::run(const MethodInput &input, jobs::JobContext &context)
{
    const auto &s = input.settings;
    const auto &graph = input.graph;
    const auto &layers = graph.layers();
    const auto plan = BitPlan::make(layers, s);
    const auto seed = static_cast<uint64_t>(s.integer("seed"));
    torch::manual_seed(seed);
    const double ratio = s.real("noise_ratio");
    const int minBits = int(s.integer("min_bits"));
    const bool learnBits = s.flag("learn_bits");
    const double target = s.real("target_bits");
    if (learnBits && s.wbits <= minBits)
        throw Error("CPQ: learned bits start from the weight bits (" + std::to_string(s.wbits) +
                    "), which must be above the fewest bits (" + std::to_string(minBits) + ")");
    if (learnBits && target > 0 && target < minBits)
        throw Error("CPQ: the target average bits is below the fewest bits");

    // Latent weights, their quantizers, and gates on the layers the run's bits apply to: not
    // the first and last when they keep their own bits (first_last_bits), as every method
    // does, nor a layer given its bits by name.
    std::vector<torch::Tensor> latent;
    std::vector<WeightLayer> weights;
    double gatedParams = 0;
    for (const auto &l : layers) {
        latent.push_back(graph.floatWeight(l.id).clone().requires_grad_(true));
        const int bits = plan.wbits[l.id];
        WeightLayer w{CpqQuantizer(bits, CpqQuantizer::fitWeightStep(latent.back(), bits), false,
                                   ratio),
                      nullptr,
                      {}};
        w.quantizer.setGradientScale(gradientScale(l.params / w.quantizer.channels(), w.quantizer));
        const bool edge = s.integer("first_last_bits") > 0 &&
                          (l.id == 0 || l.id + 1 == int(layers.size()));
        if (learnBits && !edge && !s.layerBits.count(l.name)) {
            w.gates = std::make_unique<BitGates>(bits, minBits, 2.0);
            for (int k = minBits; k < bits; ++k) {
                w.narrower.emplace_back(k, CpqQuantizer::fitWeightStep(latent.back(), k), false, ratio);
                w.narrower.back().setGradientScale(
                    gradientScale(l.params / w.quantizer.channels(), w.narrower.back()));
            }
            gatedParams += double(l.params);
        }
        weights.push_back(std::move(w));
    }

    auto session = graph.makeSession();
    const data::BatchLoader calibration(
        input.train, input.transform,
        data::BatchLoader::randomSubset(input.train, s.integer("calib_images"), seed), 128);
    const auto grids = ActivationCalibrator::calibrate(graph, session, calibration, plan.abits,
                                                       context.stage(0.0, 0.05));
    std::vector<std::unique_ptr<CpqQuantizer>> inputs(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
        if (!grids[i])
            continue;
        inputs[i] = activationQuantizer(*grids[i], plan.abits[i], ratio);
        inputs[i]->setGradientScale(gradientScale(layers[i].inputElements(), *inputs[i]));
        const CpqQuantizer *q = inputs[i].get();
        session.setActivationQuantizer(int(i), [q](const torch::Tensor &x) { return q->forward(x); });
    }

    train::ParameterGroup weightGroup{latent, s.real("lr"), s.real("weight_decay")};
    train::ParameterGroup stepGroup, noiseGroup, gateGroup;
    stepGroup.learningRate = std::max(s.real("step_lr"), 1e-12);
    noiseGroup.learningRate = std::max(s.real("noise_lr"), 1e-12);
    gateGroup.learningRate = std::max(s.real("gate_lr"), 1e-12);
    auto addQuantizer = [&](const CpqQuantizer &q) {
        const auto p = q.parameters();
        if (s.real("step_lr") > 0 && !keepsFittedStep(q))
            stepGroup.tensors.push_back(p[0]);
        if (s.real("noise_lr") > 0)
            noiseGroup.tensors.push_back(p[1]);
    };
    for (const auto &w : weights) {
        for (const auto *q : w.all())
            addQuantizer(*q);
        if (w.gates)
            gateGroup.tensors.push_back(w.gates->logits());
    }
    for (const auto &q : inputs)
        if (q)
            addQuantizer(*q);

    // The parameter-weighted average bits of the gated layers: expected (differentiable, the
    // regulariser) or as the deterministic gates have it now.
    auto averageBits = [&](bool expected) {
        torch::Tensor sum = torch::zeros({});
        for (size_t i = 0; i < layers.size(); ++i)
            if (weights[i].gates)
                sum = sum + double(layers[i].params) *
                                (expected ? weights[i].gates->expectedBits()
                                          : torch::tensor(double(weights[i].gates->bits())));
        return sum / std::max(gatedParams, 1.0);
    };
    double lambda = s.real("lambda");

    const auto options = QatSettings::options(s);
    const int64_t totalSteps =
        std::max<int64_t>(1, train::Trainer::batchesPerEpoch(input.train, options) * options.epochs);
    // The step after which the allocation is fixed (settle): at least one step of search.
    const int64_t searchSteps =
        std::clamp<int64_t>(std::llround(s.real("search_share") * double(totalSteps)), 1, totalSteps);
    bool settled = false;
    const double dropRate = s.real("drop_rate");
    const bool dropDecays = s.text("drop_schedule") == "decay";
    int64_t stepsDone = 0;

    auto quantizeWeight = [&](size_t i, bool training) {
        const auto &w = weights[i];
        if (w.gates)
            return gatedWeights(w, latent[i],
                                training ? w.gates->sampleNested() : w.gates->deterministicNested());
        const int most = w.quantizer.bits() - minBits;
        const double p = dropRate * (dropDecays ? 1.0 - double(stepsDone) / totalSteps : 1.0);
        if (training && !gatedParams && p > 0 && most > 0)
            return w.quantizer.forward(latent[i], dropBits(latent[i], p, most));
        return w.quantizer.forward(latent[i]);
    };

    auto emitSnapshots = [&](int step, const std::string &stage) {
        torch::NoGradGuard noGrad;
        for (size_t i = 0; i < layers.size(); ++i) {
            const auto &w = weights[i];
            const auto &q = w.current();
            const auto grid = q.geometry();
            jobs::LayerSnapshot snap;
            snap.layer = int(i);
            snap.layerName = layers[i].name;
            snap.step = step;
            snap.stage = stage;
            snap.bits = w.bits();
            snap.gridLevels = q.levels(q.widestChannel());
            snap.note = snapshotNote(w);
            analysis::WeightHistogram::fill(snap, latent[i]);
            analysis::GridUnits::fill(snap, latent[i], grid);
            context.snapshot(snap);
            context.metric("noise_ratio/" + layers[i].name, step, q.ratio());
        }
    };
    // Per epoch (0 = the start), each layer's bits: the bit allocation view replays them.
    auto emitBits = [&](int epoch) {
        for (size_t i = 0; i < layers.size(); ++i)
            context.metric("bits/" + layers[i].name, epoch, weights[i].bits());
    };

    // What a cancelled run keeps: the epoch of the best test top-1 so far.
    std::optional<QuantizedModel> best;
    double bestTop1 = -1;
    int bestEpoch = 0;
    auto current = [&] {
        torch::NoGradGuard noGrad;
        QuantizedModel m;
        for (size_t i = 0; i < layers.size(); ++i) {
            m.weights.push_back(quantizeWeight(i, false).detach());
            m.weightGrids.push_back(weights[i].current().geometry());
            m.wbits.push_back(weights[i].bits());
            m.abits.push_back(plan.abits[i]);
            m.activationGrids.push_back(inputs[i] ? std::optional<QuantGrid>(inputs[i]->toGrid())
                                                  : std::nullopt);
        }
        return m;
    };

    // Fixes the gates at the target: the allocation that spends the most of it, the most
    // confident levels first (BitGates::fullestAllocation); where there are too many layers to
    // try every allocation, one above the target loses its least confident levels until it is
    // not, and one below it (λ overshoots while gates close) gets back the most confident
    // closed levels that still fit.
    auto settle = [&] {
        std::vector<BitGates::Choice> choices;
        std::vector<WeightLayer *> gated;
        for (size_t i = 0; i < weights.size(); ++i)
            if (auto &w = weights[i]; w.gates) {
                const auto logits = w.gates->logits().detach().to(torch::kDouble).contiguous();
                choices.push_back({double(layers[i].params), w.gates->minBits(),
                                   w.gates->maxBits(),
                                   {logits.data_ptr<double>(),
                                    logits.data_ptr<double>() + logits.numel()}});
                gated.push_back(&w);
            }
        const auto fullest =
            target > 0 ? BitGates::fullestAllocation(choices, target * gatedParams)
                       : std::vector<int>{};
        for (size_t j = 0; j < fullest.size(); ++j) {
            auto &gates = *gated[j]->gates;
            while (gates.bits() > fullest[j])
                gates.dropTopLevel();
            while (gates.bits() < fullest[j])
                gates.keepNextLevel();
        }
        if (fullest.empty()) {
            while (target > 0 && averageBits(false).item<double>() > target + 1e-9) {
                WeightLayer *weakest = nullptr;
                for (auto &w : weights)
                    if (w.gates && (!weakest ||
                                    w.gates->topKeptLogit() < weakest->gates->topKeptLogit()))
                        weakest = &w;
                if (!weakest || weakest->gates->bits() == minBits)
                    break;
                weakest->gates->dropTopLevel();
            }
            for (bool added = target > 0; added;) {
                added = false;
                WeightLayer *strongest = nullptr;
                const double room = (target - averageBits(false).item<double>()) *
                                    std::max(gatedParams, 1.0);
                for (size_t i = 0; i < weights.size(); ++i) {
                    auto &w = weights[i];
                    if (w.gates && w.gates->bits() < w.gates->maxBits() &&
                        double(layers[i].params) <= room + 1e-6 &&
                        (!strongest ||
                         w.gates->nextLevelLogit() > strongest->gates->nextLevelLogit()))
                        strongest = &w;
                }
                if (strongest) {
                    strongest->gates->keepNextLevel();
                    added = true;
                }
            }
        }
        for (auto &w : weights)
            if (w.gates)
                w.gates->freeze();
        settled = true;
    };

    emitSnapshots(0, "start");
    emitBits(0);
    const int snapshotEvery = s.integer("snapshot_every");
    auto trainStage = context.stage(0.05, 1.0);
    train::TrainHooks hooks;
    if (gatedParams > 0)
        hooks.penalty = [&] { return lambda * averageBits(true); };
    hooks.afterStep = [&](int64_t step) {
        stepsDone = step + 1;
        for (auto &w : weights) {
            w.quantizer.constrain();
            for (auto &q : w.narrower)
                q.constrain();
        }
        for (auto &q : inputs)
            if (q)
                q->constrain();
        if (gatedParams > 0 && !settled && stepsDone >= searchSteps) {
            settle(); // the remaining steps train the weights on the allocation found
            trainStage.metric("average_bits", double(stepsDone), averageBits(false).item<double>());
        }
        if (gatedParams > 0 && target > 0 && !settled) {
            // λ steered toward the target: up while the allocation is above it, down below.
            const double above = averageBits(false).item<double>() - target;
            lambda = std::clamp(lambda * std::exp(0.05 * (above > 0 ? 1.0 : -0.5)), 1e-6, 100.0);
        }
        if (stepsDone % 20 == 0 && gatedParams > 0) {
            trainStage.metric("average_bits", double(stepsDone), averageBits(false).item<double>());
            trainStage.metric("lambda", double(stepsDone), lambda);
        }
        if (stepsDone % snapshotEvery == 0)
            emitSnapshots(int(stepsDone), "training");
    };
    hooks.afterEpoch = [&](const train::EpochReport &r) {
        trainStage.metric("epoch_loss", r.epoch, r.trainLoss);
        trainStage.metric("train_top1", r.epoch, r.trainTop1);
        trainStage.metric("epoch_seconds", r.epoch, r.seconds);
        emitBits(r.epoch);
        if (!input.test)
            return;
        auto model = current();
        auto evalSession = graph.makeSession();
        model.applyTo(evalSession);
        const auto result = analysis::Evaluator::evaluate(graph, evalSession, *input.test,
                                                          input.transform, input.evalLimit);
        trainStage.metric("test_top1", r.epoch, result.top1);
        if (result.top1 > bestTop1) {
            bestTop1 = result.top1;
            bestEpoch = r.epoch;
            best = std::move(model);
        }
    };

    try {
        train::Trainer::train(
            [&](const torch::Tensor &x) {
                for (size_t i = 0; i < layers.size(); ++i)
                    session.setWeight(int(i), quantizeWeight(i, true));
                return graph.forward(x, session);
            },
            {weightGroup, stepGroup, noiseGroup, gateGroup}, input.train, input.transform,
            options, trainStage, hooks);
    } catch (const Cancelled &) {
        if (!best)
            throw;
        best->note = "cancelled in epoch " + std::to_string(bestEpoch + 1) + "; kept epoch " +
                     std::to_string(bestEpoch) + " (the best so far)";
        return std::move(*best);
    }
    emitSnapshots(int(stepsDone), "final");
    context.progress(1.0, "done");
    return current();
}

} // namespace quantscope::quant
