// SPDX-License-Identifier: MIT
// UnitReconstructor: BRECQ's inner loop for one reconstruction unit (a residual block or a lone
// layer). With the unit's cached inputs (from the partly quantized model) and targets (from the
// float model), it learns the AdaRound variables of the unit's weights, or the step sizes of the
// activation quantizers inside the unit, so the unit's output matches the target.
#pragma once

#include "ada_round.h"
#include "jobs/job_context.h"
#include "lsq_activation.h"
#include "model/quant_graph.h"

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace quantscope::quant {

struct ReconstructionOptions
{
    int iterations = 20000;
    int batchSize = 32;
    double lr = 1e-3;
    double p = 2.0;          // |ẑ − z|^p when no Fisher weights are given
    double lambda = 0.01;    // rounding regulariser weight (weights only)
    double betaStart = 20;   // regulariser exponent, annealed linearly …
    double betaEnd = 2;      // … to this after the warm-up
    double warmup = 0.2;     // share of iterations without the regulariser
    bool cosineLr = false;   // anneal lr to 0 (BRECQ's activation phase)
    // Activation steps only: the loss over every cached sample is measured at the start, this
    // many times along the way and at the end, and the steps where it was lowest are kept; 0 =
    // the last iterate.
    int checkpoints = 0;
    uint64_t seed = 0;
    int64_t firstStep = 0;   // global step of this unit's first iteration, for the metrics
    std::string seriesPrefix; // "" for weights ("recon", "round"); "act_" for activations
    std::string label;        // the progress text, e.g. "block 3/10 layer2: rounding"
};

struct ReconstructionResult
{
    double reconstruction = 0; // mean of the last 5 % of iterations; with checkpoints, the
                               // kept steps' loss over all cached samples
    double rounding = 0;       // idem (weights only)
};

class UnitReconstructor
{
public:
    // inputs, targets: [N, …] for the N calibration images. fisher: undefined for the plain
    // L_p loss, else per-element weights shaped like targets (mean 1), making the loss the
    // Fisher-weighted squared error. Each as ActivationCache stores it (half when large).
    UnitReconstructor(const model::QuantGraph &graph, size_t unit, model::QuantSession &session,
                      torch::Tensor inputs, torch::Tensor targets, torch::Tensor fisher);

    // Learns rounding for the given layers (ids, with one AdaRound each); the session serves the
    // soft weights while learning and holds the hard weights afterwards. Reports "recon" and
    // "round" metrics and progress 0…1 through context; checks for cancel every iteration.
    ReconstructionResult reconstructWeights(const std::vector<int> &layerIds,
                                            std::vector<AdaRound> &rounding,
                                            const ReconstructionOptions &options,
                                            const jobs::JobContext &context);
    // Learns the steps of the activation quantizers at the given layers' inputs; the session
    // uses them while learning and afterwards holds the learned grids (with checkpoints, the
    // grids where the whole-cache loss was lowest, the starting ones included).
    ReconstructionResult reconstructActivations(const std::vector<int> &layerIds,
                                                std::vector<LsqActivation> &quantizers,
                                                const ReconstructionOptions &options,
                                                const jobs::JobContext &context);

    // These four run the unit over every cached sample, in chunks; with a context they check
    // for cancel between chunks (on ResNet-18 at 224×224 one pass takes seconds).
    // The unit's mean output loss over all cached samples with the session as it is now.
    double outputLoss(double p = 2.0, const jobs::JobContext *context = nullptr) const;
    // Runs the unit on every cached input with the session as it is now (no gradients).
    torch::Tensor outputs(const jobs::JobContext *context = nullptr) const;
    // Both from one pass: a unit that learns nothing needs its loss and its outputs.
    std::pair<torch::Tensor, double> outputsAndLoss(double p,
                                                    const jobs::JobContext *context) const;
    // The unit on every sample of x, without gradients; stored as ActivationCache stores it.
    static torch::Tensor runOnAll(const model::QuantGraph &graph, size_t unit,
                                  const torch::Tensor &x, model::QuantSession &session,
                                  const jobs::JobContext *context = nullptr);

private:
    // The mean output loss over all cached samples; the outputs too where outputs is given.
    double passOverCache(double p, std::vector<torch::Tensor> *outputs,
                         const jobs::JobContext *context) const;
    // The loss of out against the targets of the samples index names.
    torch::Tensor loss(const torch::Tensor &out, const torch::Tensor &index, double p) const;
    // The samples index names of a cache, in float and in computeLayout.
    static torch::Tensor rows(const torch::Tensor &cache, const torch::Tensor &index);
    // Whether the unit computes x's kind of tensor (4-d maps on the CPU) in channels-last.
    static bool computesChannelsLast(const torch::Tensor &x);
    // x in the memory layout the unit computes fastest in.
    static torch::Tensor computeLayout(const torch::Tensor &x);

    const model::QuantGraph &m_graph;
    size_t m_unit;
    model::QuantSession &m_session;
    torch::Tensor m_inputs;
    torch::Tensor m_targets;
    torch::Tensor m_fisher;
};

} // namespace quantscope::quant
