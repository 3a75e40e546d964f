// SPDX-License-Identifier: MIT
#include "activation_calibrator.h"

#include "uniform_quantizer.h"

namespace quantscope::quant {

std::vector<std::optional<QuantGrid>> ActivationCalibrator::calibrate(
    const model::QuantGraph &graph, model::QuantSession &session, const data::BatchLoader &loader,
    const std::vector<int> &abits, const jobs::JobContext &context)
{
    const size_t n = graph.layers().size();
    std::vector<std::optional<QuantGrid>> grids(n);
    bool any = false;
    for (int b : abits)
        any = any || b < 32;
    if (!any)
        return grids;

    // Keep a bounded random sample of each layer's input per batch: the clip search needs the
    // distribution, not every value.
    constexpr int64_t kPerBatch = 1 << 16;
    std::vector<std::vector<torch::Tensor>> samples(n);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
    session.setObserver([&](int layer, const torch::Tensor &x) {
        if (abits[layer] >= 32)
            return;
        auto flat = x.detach().flatten();
        if (flat.numel() > kPerBatch)
            flat = flat.index_select(0, torch::randint(flat.numel(), {kPerBatch}, gen,
                                                       torch::kInt64)
                                            .to(flat.device()));
        samples[layer].push_back(flat.clone());
    });
    {
        torch::InferenceMode inference;
        for (int64_t b = 0; b < loader.batchCount(); ++b) {
            context.checkCancelled();
            context.progress(0.5 * b / loader.batchCount(), "calibrating activations");
            graph.forward(loader.batch(b).inputs, session);
        }
    }
    session.setObserver(nullptr);
    for (size_t i = 0; i < n; ++i) {
        context.checkCancelled();
        context.progress(0.5 + 0.5 * i / n, "fitting activation grids");
        if (abits[i] < 32 && !samples[i].empty())
            grids[i] = UniformQuantizer::fitActivation(torch::cat(samples[i]), abits[i]);
    }
    return grids;
}

} // namespace quantscope::quant
