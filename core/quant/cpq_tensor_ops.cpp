// SPDX-License-Identifier: MIT
#include "cpq_tensor_ops.h"

#include "cpq_quantizer.h"

#include <algorithm>
#include <vector>

namespace quantscope::quant {

namespace {

struct ElementGrids
{
    torch::Tensor step, low, high, scale; // broadcast over x: step × 2^drop, levels, 2^drop
};

ElementGrids elementGrids(const torch::Tensor &x, const torch::Tensor &step,
                          const torch::Tensor &drops, int bits, bool nonNegative)
{
    std::vector<int64_t> shape(size_t(std::max<int64_t>(x.dim(), 1)), 1);
    shape[0] = step.numel();
    const auto channelStep = step.view(shape);
    const auto d = drops.numel() ? drops.to(x.options()) : torch::zeros({}, x.options());
    const auto b = (double(bits) - d).clamp_min(1);
    const auto scale = torch::pow(2.0, d);
    if (nonNegative)
        return {channelStep * scale, torch::zeros_like(b), torch::pow(2.0, b) - 1, scale};
    const auto half = torch::pow(2.0, b - 1);
    return {channelStep * scale, -half, half - 1, scale};
}

// The expected level's dF/dt and dF/dr (expectedLevel in cpq_quantizer.cpp) for t (in steps,
// double, flat) on levels [low, high] (flat, or one), window w (one) — in chunks, so the
// [values × boundaries] terms stay bounded.
std::pair<torch::Tensor, torch::Tensor> expectedLevelDerivatives(const torch::Tensor &t,
                                                                 const torch::Tensor &low,
                                                                 const torch::Tensor &high,
                                                                 const torch::Tensor &r,
                                                                 const torch::Tensor &w)
{
    constexpr int64_t kChunk = int64_t(1) << 20;
    const int widest = CpqQuantizer::window(CpqQuantizer::kRatioMax);
    const auto offsets = torch::arange(-widest - 1, widest + 1, t.options()); // g − n
    const auto inWindow = (offsets >= -w - 1) & (offsets <= w);
    auto dt = torch::empty(t.sizes(), t.options().dtype(torch::kFloat32));
    auto dr = torch::empty_like(dt);
    for (int64_t from = 0; from < t.numel(); from += kChunk) {
        const int64_t to = std::min(t.numel(), from + kChunk);
        const auto part = [&](const torch::Tensor &v) {
            return v.numel() == 1 ? v : v.slice(0, from, to);
        };
        const auto lo = part(low), hi = part(high), ts = t.slice(0, from, to);
        // Beyond the window of an end, the value of the window's edge and no gradient to x.
        const auto beyond = (ts > hi + w) | (ts < lo - w);
        const auto tc = torch::min(torch::max(ts, lo - w), hi + w);
        const auto top = hi + 0.5, bottom = lo - 0.5;
        const auto sTop = torch::sigmoid((top - tc) / r), sBottom = torch::sigmoid((bottom - tc) / r);
        const auto dTop = sTop * (1 - sTop), dBottom = sBottom * (1 - sBottom);
        auto numerator = hi * sTop - lo * sBottom;
        auto dNdt = (lo * dBottom - hi * dTop) / r;
        auto dNdr = (lo * dBottom * (bottom - tc) - hi * dTop * (top - tc)) / (r * r);
        const auto z = (sTop - sBottom).clamp_min(1e-300);
        const auto dZdt = (dBottom - dTop) / r;
        const auto dZdr = (dBottom * (bottom - tc) - dTop * (top - tc)) / (r * r);
        // Interior boundaries g + ½, g in [low, high − 1], within the window of the nearest
        // level n; those above it count as 1.
        const auto n = torch::max(torch::min(tc.round(), hi), lo);
        const auto g = n.unsqueeze(1) + offsets;
        const auto use = (inWindow & (g >= lo.unsqueeze(-1)) & (g <= hi.unsqueeze(-1) - 1))
                             .to(t.scalar_type());
        const auto c = g + 0.5;
        const auto sg = torch::sigmoid((c - tc.unsqueeze(1)) / r);
        const auto dg = sg * (1 - sg) * use;
        numerator = numerator - (sg * use).sum(1);
        dNdt = dNdt + dg.sum(1) / r;
        dNdr = dNdr + (dg * (c - tc.unsqueeze(1))).sum(1) / (r * r);
        const auto aboveFrom = torch::max(torch::min(hi - 1, n + w) + 1, lo);
        numerator = numerator - (hi - aboveFrom).clamp_min(0);
        const auto f = numerator / z;
        dt.slice(0, from, to).copy_(torch::where(beyond, torch::zeros_like(ts), (dNdt - f * dZdt) / z));
        dr.slice(0, from, to).copy_((dNdr - f * dZdr) / z);
    }
    return {dt, dr};
}

} // namespace

torch::Tensor CpqTensorOps::forward(const torch::Tensor &x, const torch::Tensor &step,
                                    const torch::Tensor &drops, int bits, bool nonNegative)
{
    const auto g = elementGrids(x, step, drops, bits, nonNegative);
    return g.step * torch::max(torch::min((x / g.step).round(), g.high), g.low);
}

CpqTensorOps::Gradients CpqTensorOps::backward(const torch::Tensor &x, const torch::Tensor &step,
                                               const torch::Tensor &ratio,
                                               const torch::Tensor &drops, const torch::Tensor &g,
                                               int bits, bool nonNegative)
{
    const auto grids = elementGrids(x, step, drops, bits, nonNegative);
    const auto flat = [&](const torch::Tensor &v) {
        return v.numel() == 1 ? v.reshape({1}).to(torch::kFloat64)
                              : v.expand(x.sizes()).reshape({-1}).to(torch::kFloat64);
    };
    const auto t = (x / grids.step).reshape({-1}).to(torch::kFloat64);
    const auto low = flat(grids.low), high = flat(grids.high);
    const auto r = ratio.detach().to(torch::kFloat64);
    const auto w = (8 * r).ceil() + 1; // CpqQuantizer::window, on the device
    const auto [dt, dr] = expectedLevelDerivatives(t, low, high, r, w);
    const auto gf = g.reshape({-1});
    const auto level = torch::max(torch::min(t.round(), high), low);
    // The step's cell average inside the grid (see the CPU loop).
    const auto interior = (t > low + w) & (t < high - w);
    const auto stepDt = torch::where(interior, torch::ones_like(dt), dt).to(torch::kFloat64);
    const auto scale = flat(grids.scale);
    const auto stepTerms = gf.to(torch::kFloat64) * scale * (level - t * stepDt);
    const auto gStep = step.numel() == 1 ? stepTerms.sum().view({1})
                                         : stepTerms.view({step.numel(), -1}).sum(1);
    const auto gRatio = (gf.to(torch::kFloat64) * flat(grids.step) * dr).sum();
    return {(gf * dt).view(x.sizes()), gStep, gRatio};
}

} // namespace quantscope::quant
