// SPDX-License-Identifier: MIT
#include "fisher_weights.h"

#include "activation_cache.h"

namespace quantscope::quant {

namespace {
constexpr int64_t kFisherChunk = 128; // images per backward pass
}

torch::Tensor FisherWeights::compute(const model::QuantGraph &graph, size_t unit,
                                     const torch::Tensor &output,
                                     model::QuantSession &floatSession,
                                     const jobs::JobContext &context)
{
    std::vector<torch::Tensor> out;
    // Squared gradients can be far below half precision's smallest value: each chunk is scaled
    // by the first chunk's mean before it is stored, so values are near 1 from the start. Scale
    // and sum stay tensors, so a GPU is not waited for chunk by chunk.
    torch::Tensor scale, sum;
    for (const auto &chunk : output.split(kFisherChunk)) {
        context.checkCancelled();
        auto z = ActivationCache::load(chunk).detach().clone().requires_grad_(true);
        torch::Tensor y = z;
        for (size_t u = unit + 1; u < graph.units().size(); ++u)
            y = graph.runUnit(u, y, floatSession);
        const auto loss = torch::nn::functional::cross_entropy(
            y, y.argmax(1).detach(),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
        auto squared = torch::autograd::grad({loss}, {z})[0].pow(2);
        if (!scale.defined())
            scale = squared.mean().clamp_min(1e-20).reciprocal();
        squared.mul_(scale);
        sum = sum.defined() ? sum + squared.sum() : squared.sum();
        out.push_back(ActivationCache::store(squared, output.size(0)));
    }
    auto fisher = torch::cat(out);
    return fisher.div_((sum / double(fisher.numel())).clamp_min(1e-20));
}

} // namespace quantscope::quant
