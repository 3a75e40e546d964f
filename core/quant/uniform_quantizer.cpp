// SPDX-License-Identifier: MIT
#include "uniform_quantizer.h"

#include "error.h"

namespace quantscope::quant {

namespace {

// Grid for ranges [lo, hi] (one per row), asymmetric or symmetric.
QuantGrid gridForRange(const torch::Tensor &lo, const torch::Tensor &hi, int bits, bool symmetric,
                       bool perChannel)
{
    QuantGrid g;
    g.bits = bits;
    g.perChannel = perChannel;
    constexpr float kTiny = 1e-8f;
    if (symmetric) {
        g.qmin = -(int64_t(1) << (bits - 1));
        g.qmax = (int64_t(1) << (bits - 1)) - 1;
        const auto absMax = torch::max(lo.abs(), hi.abs());
        g.scale = (absMax / double(g.qmax)).clamp_min(kTiny);
        g.zeroPoint = torch::zeros_like(g.scale, torch::kInt64);
    } else {
        g.qmin = 0;
        g.qmax = (int64_t(1) << bits) - 1;
        const auto l = lo.clamp_max(0), h = hi.clamp_min(0);
        g.scale = ((h - l) / double(g.qmax)).clamp_min(kTiny);
        g.zeroPoint = (-l / g.scale).round().clamp(0, g.qmax).to(torch::kInt64);
    }
    return g;
}

// Per-row L_p error of quantizing rows of x with grid g (rows = channels, or one row).
torch::Tensor rowError(const torch::Tensor &rows, const QuantGrid &g, double p)
{
    const auto s = g.scale.view({-1, 1});
    const auto z = g.zeroPoint.view({-1, 1}).to(torch::kFloat32);
    const auto q = (rows / s).round().add(z).clamp(double(g.qmin), double(g.qmax));
    return (q.sub(z).mul(s) - rows).abs().pow(p).sum(1);
}

QuantGrid searchGrid(const torch::Tensor &rows, int bits, bool symmetric, bool search, double p,
                     bool perChannel)
{
    const auto lo = std::get<0>(rows.min(1)), hi = std::get<0>(rows.max(1));
    QuantGrid best = gridForRange(lo, hi, bits, symmetric, perChannel);
    if (!search)
        return best;
    auto bestError = rowError(rows, best, p);
    for (int i = 1; i < UniformQuantizer::kClipCandidates; ++i) {
        const double ratio = 1.0 - 0.01 * i;
        const auto g = gridForRange(lo * ratio, hi * ratio, bits, symmetric, perChannel);
        const auto error = rowError(rows, g, p);
        const auto better = error < bestError;
        best.scale = torch::where(better, g.scale, best.scale);
        best.zeroPoint = torch::where(better, g.zeroPoint, best.zeroPoint);
        bestError = torch::where(better, error, bestError);
    }
    return best;
}

} // namespace

QuantGrid UniformQuantizer::fitWeight(const torch::Tensor &weight, const WeightGridOptions &o)
{
    if (o.bits < 1 || o.bits > 16)
        throw Error("weight bits must be between 1 and 16 (got " + std::to_string(o.bits) + ")");
    torch::NoGradGuard noGrad;
    const auto w = weight.detach().to(torch::kFloat32);
    const auto rows = o.perChannel ? w.reshape({w.size(0), -1}) : w.reshape({1, -1});
    if (o.bits == 1) {
        // Binary weights: ±α with α = mean|w|, the L2-optimal scale for sign(w).
        QuantGrid g;
        g.bits = 1;
        g.binary = true;
        g.perChannel = o.perChannel;
        g.scale = rows.abs().mean(1).clamp_min(1e-8);
        g.zeroPoint = torch::zeros_like(g.scale, torch::kInt64);
        g.qmin = -1;
        g.qmax = 1;
        return g;
    }
    return searchGrid(rows, o.bits, o.symmetric, o.searchClip, o.p, o.perChannel);
}

QuantGrid UniformQuantizer::fitActivation(const torch::Tensor &samples, int bits, double p)
{
    if (bits < 2 || bits > 16)
        throw Error("activation bits must be between 2 and 16 (got " + std::to_string(bits) + ")");
    torch::NoGradGuard noGrad;
    auto flat = samples.detach().to(torch::kFloat32).flatten();
    // The search costs 80 passes: a fixed-size random sample keeps it quick on big tensors.
    constexpr int64_t kMaxSamples = 1 << 18;
    if (flat.numel() > kMaxSamples) {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
        // Drawn on the CPU (one sequence on every device), used where the samples are.
        flat = flat.index_select(
            0, torch::randint(flat.numel(), {kMaxSamples}, gen, torch::kInt64).to(flat.device()));
    }
    return searchGrid(flat.view({1, -1}), bits, false, true, p, false);
}

} // namespace quantscope::quant
