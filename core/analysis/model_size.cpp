// SPDX-License-Identifier: MIT
#include "model_size.h"

#include <cmath>

namespace quantscope::analysis {

namespace {
constexpr double kFloatBits = 32.0;
constexpr double kMaxSqnrDb = 300.0;
} // namespace

SizeReport ModelSize::compute(const std::vector<model::LayerInfo> &layers,
                              const std::vector<double> &wbits, const std::vector<double> &abits)
{
    SizeReport r;
    double weightBits = 0;
    int64_t params = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
        const auto &l = layers[i];
        const double wb = std::min(wbits.at(i), kFloatBits);
        const double ab = std::min(abits.at(i), kFloatBits);
        const int64_t channels = l.weightShape.empty() ? 0 : l.weightShape[0];
        const int64_t perChannelBytes = wb < kFloatBits ? channels * 8 : 0;
        r.sizeBytes += static_cast<int64_t>(std::ceil(l.params * wb / 8.0)) + perChannelBytes +
                       l.biasParams * 4;
        r.floatSizeBytes += (l.params + l.biasParams) * 4;
        weightBits += l.params * wb;
        params += l.params;
        r.bops += static_cast<double>(l.macs) * wb * ab;
    }
    r.averageWeightBits = params > 0 ? weightBits / params : 0;
    return r;
}

double ModelSize::sqnrDb(const torch::Tensor &reference, const torch::Tensor &quantized)
{
    torch::NoGradGuard noGrad;
    const double signal = reference.detach().pow(2).sum().item<double>();
    const double noise = (reference.detach() - quantized.detach()).pow(2).sum().item<double>();
    if (noise <= 0 || signal <= 0)
        return kMaxSqnrDb;
    return std::min(kMaxSqnrDb, 10.0 * std::log10(signal / noise));
}

} // namespace quantscope::analysis
