// SPDX-License-Identifier: MIT
#include "lsq_activation.h"

#include "channel_chunks.h"
#include "dense_layout.h"
#include "elementwise_math.h"
#include "error.h"
#include "kernels/vector_clones.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace quantscope::quant {

namespace {

using elementwise::clampTo;

struct Grid
{
    float step, zero, qmin, qmax;

    // x/s clamped to one level beyond the grid on either side (so the level and the in-range
    // test are unchanged, and the rounding is exact), rounded half to even.
    float level(float t) const
    {
        return elementwise::nearestLevel(t, qmin - zero, qmax - zero) + zero;
    }
};

// x̂ for x[0, n).
QS_VECTOR_CLONES
void quantizeSpan(const float *__restrict x, float *__restrict out, int64_t n, const Grid grid)
{
    for (int64_t i = 0; i < n; ++i) {
        const float level = clampTo(grid.level(x[i] / grid.step), grid.qmin, grid.qmax);
        out[i] = grid.step * (level - grid.zero);
    }
}

// One element's ∂L/∂x and share of ∂L/∂s, from ∂x̂/∂x = 1 inside the range, 0 outside, and
// ∂x̂/∂s = round(x/s) − x/s inside, the clipped level (qmin − z or qmax − z) outside.
struct ElementGradient
{
    float x, s;
};
inline ElementGradient gradientAt(float x, float g, const Grid &grid)
{
    const float t = x / grid.step;
    const float level = grid.level(t);
    const bool inside = level >= grid.qmin && level <= grid.qmax;
    const float clipped = clampTo(level, grid.qmin, grid.qmax);
    return {inside ? g : 0.0f, g * (clipped - grid.zero - (inside ? t : 0.0f))};
}

// Writes ∂L/∂x for x[0, n) to gx and returns the span's ∂L/∂s.
QS_VECTOR_CLONES
double gradientSpan(const float *__restrict x, const float *__restrict g, float *__restrict gx,
                    int64_t n, const Grid grid)
{
    return elementwise::laneSum(n, [&](int64_t i) {
        const auto d = gradientAt(x[i], g[i], grid);
        gx[i] = d.x;
        return d.s;
    });
}

// The quantizer as one autograd function with one pass over x forward and one backward. As
// composed tensor ops (divide, round, the straight-through detach, clamp, multiply) it took
// about twenty passes over the activation per iteration.
class LsqFunction : public torch::autograd::Function<LsqFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &x,
                                 const torch::Tensor &step, double zero, double qmin, double qmax)
    {
        const auto xc = dense_layout::flat(x);
        const auto sc = step.detach();
        ctx->save_for_backward({xc, sc});
        ctx->saved_data["zero"] = zero;
        ctx->saved_data["qmin"] = qmin;
        ctx->saved_data["qmax"] = qmax;
        const Grid grid{sc.item<float>(), float(zero), float(qmin), float(qmax)};
        auto out = torch::empty_like(xc);
        const float *px = xc.data_ptr<float>();
        float *po = out.data_ptr<float>();
        at::parallel_for(0, xc.numel(), ChannelChunk::kElements, [&](int64_t begin, int64_t end) {
            quantizeSpan(px + begin, po + begin, end - begin, grid);
        });
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &x = saved[0];
        const Grid grid{saved[1].item<float>(), float(ctx->saved_data["zero"].toDouble()),
                        float(ctx->saved_data["qmin"].toDouble()),
                        float(ctx->saved_data["qmax"].toDouble())};
        const auto g = dense_layout::stridedLike(grads[0], x);
        auto gx = torch::empty_like(x);
        const auto chunks = ChannelChunk::split(1, x.numel());
        std::vector<double> stepParts(chunks.size(), 0.0);
        const float *px = x.data_ptr<float>(), *pg = g.data_ptr<float>();
        float *pgx = gx.data_ptr<float>();
        ChannelChunk::forEach(chunks, [&](size_t c, const ChannelChunk &k) {
            stepParts[c] = gradientSpan(px + k.begin, pg + k.begin, pgx + k.begin,
                                        k.end - k.begin, grid);
        });
        double gs = 0;
        for (double part : stepParts)
            gs += part;
        return {gx, torch::full_like(saved[1], gs), {}, {}, {}};
    }
};

} // namespace

LsqActivation::LsqActivation(const QuantGrid &initial) : m_grid(initial)
{
    if (initial.perChannel || initial.binary)
        throw Error("learned activation steps need a per-tensor multi-level grid");
    m_step = initial.scale.detach().to(torch::kFloat32).flatten().clone().requires_grad_(true);
    m_zero = initial.zeroPoint.to(torch::kFloat64).item<double>();
}

torch::Tensor LsqActivation::operator()(const torch::Tensor &x) const
{
    if (!x.is_cpu()) {
        // On a GPU the composed ops (LsqFunction is a CPU loop), with the same values and
        // gradients: rounding passes the gradient straight through, so ∂x̂/∂x is 1 inside the
        // range and ∂x̂/∂s is round(x/s) − x/s there; the clamp gives 0 and the clipped level.
        const auto t = x / m_step;
        const auto level = (t + (t.round() - t).detach() + m_zero)
                               .clamp(double(m_grid.qmin), double(m_grid.qmax));
        return (level - m_zero) * m_step;
    }
    return LsqFunction::apply(x, m_step, m_zero, double(m_grid.qmin), double(m_grid.qmax));
}

QuantGrid LsqActivation::grid() const
{
    QuantGrid out = m_grid;
    // A step pushed to or below zero would break the grid; keep the smallest positive one.
    out.scale = m_step.detach().clamp_min(1e-8).clone();
    return out;
}

} // namespace quantscope::quant
