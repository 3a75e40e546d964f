// SPDX-License-Identifier: MIT
#include "unit_reconstructor.h"

#include "activation_cache.h"
#include "power_error_loss.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <functional>
#include <limits>

namespace quantscope::quant {

namespace {

constexpr int64_t kEvalBatch = 256;
constexpr int kMetricPointsPerUnit = 200;

// Batches of cached samples: one permutation per pass over the cache, sliced into batches, so
// every sample is used equally often and the permutation is drawn once per pass, not once per
// iteration. Drawn on the CPU (the same order on every device), kept where the cache is.
class BatchSampler
{
public:
    BatchSampler(const torch::Tensor &cache, int64_t batch, uint64_t seed)
        : m_samples(cache.size(0)), m_batch(std::min(batch, m_samples)), m_device(cache.device()),
          m_generator(at::make_generator<at::CPUGeneratorImpl>(seed))
    {
    }
    torch::Tensor next()
    {
        if (!m_order.defined() || m_used + m_batch > m_samples) {
            m_order = torch::randperm(m_samples, m_generator).to(m_device);
            m_used = 0;
        }
        m_used += m_batch;
        return m_order.slice(0, m_used - m_batch, m_used);
    }

private:
    int64_t m_samples, m_batch, m_used = 0;
    c10::Device m_device;
    at::Generator m_generator;
    torch::Tensor m_order;
};

// One optimisation loop for both phases. step(beta) prepares the session, runs a batch and
// returns {reconstruction loss, regulariser (or an undefined tensor)}; beta is 0 in the warm-up.
// checkpoint, if given, runs after every iterations / o.checkpoints-th step.
using StepFn = std::function<std::pair<torch::Tensor, torch::Tensor>(double beta)>;

ReconstructionResult optimise(std::vector<torch::Tensor> params, const StepFn &step,
                              bool withRounding, const ReconstructionOptions &o,
                              const jobs::JobContext &context,
                              const std::function<void()> &checkpoint = {})
{
    const int checkEvery = o.checkpoints > 0 ? std::max(1, o.iterations / o.checkpoints) : 0;
    torch::optim::Adam adam(params, torch::optim::AdamOptions(o.lr));
    const int every = std::max(1, o.iterations / kMetricPointsPerUnit);
    const int tail = std::max(1, o.iterations / 20);
    const int warmupEnd = static_cast<int>(o.warmup * o.iterations);
    // The losses are summed where they are computed and read at the metric points only: reading
    // them every iteration would make the CPU wait for a GPU at every step.
    torch::Tensor sum, tailSum; // {reconstruction, regulariser}
    for (int it = 0; it < o.iterations; ++it) {
        context.checkCancelled();
        double beta = 0;
        if (it >= warmupEnd) {
            const double t = double(it - warmupEnd) / std::max(1, o.iterations - warmupEnd);
            beta = o.betaEnd + (o.betaStart - o.betaEnd) * (1.0 - t);
        }
        if (o.cosineLr) {
            const double lr = o.lr * 0.5 * (1.0 + std::cos(M_PI * it / o.iterations));
            for (auto &group : adam.param_groups())
                static_cast<torch::optim::AdamOptions &>(group.options()).lr(lr);
        }
        adam.zero_grad();
        auto [rec, round] = step(beta);
        auto total = round.defined() ? rec + round : rec;
        total.backward();
        adam.step();
        if (checkpoint && checkEvery > 0 && (it + 1) % checkEvery == 0 && it + 1 < o.iterations)
            checkpoint();

        const auto both = torch::stack({rec.detach(), round.defined() ? round.detach()
                                                                      : torch::zeros_like(rec)});
        sum = sum.defined() ? sum.add_(both) : both;
        if (it >= o.iterations - tail)
            tailSum = tailSum.defined() ? tailSum.add_(both) : both.clone();
        if ((it + 1) % every == 0) {
            const auto mean = sum.to(torch::kFloat64).cpu() / every;
            const double stepIndex = double(o.firstStep + it + 1);
            context.metric(o.seriesPrefix + "recon", stepIndex, mean[0].item<double>());
            if (withRounding)
                context.metric(o.seriesPrefix + "round", stepIndex, mean[1].item<double>());
            sum = torch::Tensor();
            context.progress(double(it + 1) / o.iterations, o.label);
        }
    }
    if (!tailSum.defined())
        return {};
    const auto tailMean = tailSum.to(torch::kFloat64).cpu() / tail;
    return {tailMean[0].item<double>(), tailMean[1].item<double>()};
}

} // namespace

UnitReconstructor::UnitReconstructor(const model::QuantGraph &graph, size_t unit,
                                     model::QuantSession &session, torch::Tensor inputs,
                                     torch::Tensor targets, torch::Tensor fisher)
    : m_graph(graph), m_unit(unit), m_session(session), m_inputs(std::move(inputs)),
      m_targets(std::move(targets)), m_fisher(std::move(fisher))
{
}

torch::Tensor UnitReconstructor::loss(const torch::Tensor &out, const torch::Tensor &index,
                                      double p) const
{
    const auto diff = out - rows(m_targets, index);
    // Summed over channels, averaged over samples and positions (BRECQ's normalisation, so λ
    // keeps its published meaning).
    if (m_fisher.defined())
        return (diff.pow(2) * rows(m_fisher, index)).sum(1).mean();
    return PowerErrorLoss::apply(diff, p);
}

torch::Tensor UnitReconstructor::rows(const torch::Tensor &cache, const torch::Tensor &index)
{
    if (!computesChannelsLast(cache))
        return ActivationCache::load(cache.index_select(0, index));
    // A channels-last cache (the units' outputs are) is gathered as rows of samples, which keeps
    // its layout: index_select writes contiguous maps, and converting 64 of the demo's 16×28×28
    // maps back to channels-last took 0.26 ms, five times the gather.
    if (cache.is_contiguous(torch::MemoryFormat::ChannelsLast))
        return ActivationCache::load(cache.permute({0, 2, 3, 1}).index_select(0, index))
            .permute({0, 3, 1, 2});
    return computeLayout(ActivationCache::load(cache.index_select(0, index)));
}

bool UnitReconstructor::computesChannelsLast(const torch::Tensor &x)
{
    // oneDNN's convolutions, forward and backward, keep channels-last maps as they are and
    // reorder contiguous ones to and from their own layout at every call: on the demo (W2A4, a
    // tenth of the paper's samples) the rounding phase took 21.4 s in the contiguous layout and
    // 18.4 s in channels-last, 17.1 s with the gather above. The fused quantizers and losses
    // take either layout (dense_layout.h). Measured on the CPU only: other devices keep the
    // layout they have.
    return x.dim() == 4 && x.is_cpu();
}

torch::Tensor UnitReconstructor::computeLayout(const torch::Tensor &x)
{
    return computesChannelsLast(x) ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

ReconstructionResult UnitReconstructor::reconstructWeights(const std::vector<int> &layerIds,
                                                           std::vector<AdaRound> &rounding,
                                                           const ReconstructionOptions &o,
                                                           const jobs::JobContext &context)
{
    std::vector<torch::Tensor> params;
    for (auto &r : rounding)
        params.push_back(r.variable());
    BatchSampler sampler(m_inputs, o.batchSize, o.seed);
    const auto result = optimise(
        params,
        [&](double beta) {
            torch::Tensor reg;
            for (size_t i = 0; i < layerIds.size(); ++i) {
                auto soft = rounding[i].soft(beta);
                m_session.setWeight(layerIds[i], soft.weight);
                if (beta > 0)
                    reg = reg.defined() ? reg + soft.regularizer : soft.regularizer;
            }
            const auto index = sampler.next();
            const auto out = m_graph.runUnit(m_unit, rows(m_inputs, index), m_session);
            auto rec = loss(out, index, o.p);
            if (reg.defined())
                reg = reg * o.lambda;
            return std::make_pair(rec, reg);
        },
        true, o, context);
    for (size_t i = 0; i < layerIds.size(); ++i)
        m_session.setWeight(layerIds[i], rounding[i].hardWeight());
    return result;
}

ReconstructionResult UnitReconstructor::reconstructActivations(
    const std::vector<int> &layerIds, std::vector<LsqActivation> &quantizers,
    const ReconstructionOptions &o, const jobs::JobContext &context)
{
    std::vector<torch::Tensor> params;
    for (size_t i = 0; i < layerIds.size(); ++i) {
        params.push_back(quantizers[i].step());
        const LsqActivation *q = &quantizers[i];
        m_session.setActivationQuantizer(layerIds[i], [q](const torch::Tensor &x) { return (*q)(x); });
    }
    // Weights are final: no gradient needed for them.
    for (int id : layerIds)
        m_session.setWeight(id, m_session.weight(id).detach());

    // The straight-through gradient of a step is not the gradient of the loss (the loss is a
    // staircase in the step), so the last iterate can end above where it started: on the demo
    // (W2A4, paper schedule, seed 0) layer1's loss over all samples rose from 0.0702 to 0.0731.
    // Checkpoints keep the steps where the whole-cache loss was lowest.
    double bestLoss = std::numeric_limits<double>::infinity();
    std::vector<torch::Tensor> bestSteps;
    const auto keepIfBest = [&] {
        const double now = outputLoss(o.p, &context);
        if (!(now < bestLoss)) // a diverged (NaN) loss never wins
            return;
        bestLoss = now;
        bestSteps.clear();
        for (auto &q : quantizers)
            bestSteps.push_back(q.step().detach().clone());
    };
    if (o.checkpoints > 0)
        keepIfBest();

    BatchSampler sampler(m_inputs, o.batchSize, o.seed);
    auto result = optimise(
        params,
        [&](double) {
            const auto index = sampler.next();
            const auto out = m_graph.runUnit(m_unit, rows(m_inputs, index), m_session);
            return std::make_pair(loss(out, index, o.p), torch::Tensor());
        },
        false, o, context, keepIfBest);
    if (o.checkpoints > 0)
        keepIfBest();
    if (!bestSteps.empty()) { // none when every loss was NaN: the last iterate stays
        torch::NoGradGuard noGrad;
        for (size_t i = 0; i < quantizers.size(); ++i)
            quantizers[i].step().copy_(bestSteps[i]);
        result.reconstruction = bestLoss;
    }
    for (size_t i = 0; i < layerIds.size(); ++i)
        m_session.setActivationQuantizer(layerIds[i], quantizers[i].grid().quantizer());
    return result;
}

torch::Tensor UnitReconstructor::runOnAll(const model::QuantGraph &graph, size_t unit,
                                          const torch::Tensor &x, model::QuantSession &session,
                                          const jobs::JobContext *context)
{
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> out;
    for (const auto &chunk : x.split(kEvalBatch)) {
        if (context)
            context->checkCancelled();
        out.push_back(ActivationCache::store(
            graph.runUnit(unit, computeLayout(ActivationCache::load(chunk)), session), x.size(0)));
    }
    return torch::cat(out);
}

torch::Tensor UnitReconstructor::outputs(const jobs::JobContext *context) const
{
    return runOnAll(m_graph, m_unit, m_inputs, m_session, context);
}

double UnitReconstructor::outputLoss(double p, const jobs::JobContext *context) const
{
    return passOverCache(p, nullptr, context);
}

std::pair<torch::Tensor, double> UnitReconstructor::outputsAndLoss(
    double p, const jobs::JobContext *context) const
{
    std::vector<torch::Tensor> out;
    const double mean = passOverCache(p, &out, context);
    return {torch::cat(out), mean};
}

double UnitReconstructor::passOverCache(double p, std::vector<torch::Tensor> *outputs,
                                        const jobs::JobContext *context) const
{
    // In chunks, so no float copy of a whole cache is made; every chunk weighs by its samples.
    torch::NoGradGuard noGrad;
    const int64_t samples = m_inputs.size(0);
    const auto indexOptions = torch::TensorOptions(torch::kLong).device(m_inputs.device());
    double sum = 0;
    for (int64_t from = 0; from < samples; from += kEvalBatch) {
        if (context)
            context->checkCancelled();
        const auto index = torch::arange(from, std::min(samples, from + kEvalBatch), indexOptions);
        const auto out = m_graph.runUnit(m_unit, rows(m_inputs, index), m_session);
        sum += loss(out, index, p).item<double>() * double(index.size(0));
        if (outputs)
            outputs->push_back(ActivationCache::store(out, samples));
    }
    return sum / double(samples);
}

} // namespace quantscope::quant
