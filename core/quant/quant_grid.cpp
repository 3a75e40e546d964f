// SPDX-License-Identifier: MIT
#include "quant_grid.h"

#include "channel_chunks.h"
#include "dense_layout.h"
#include "elementwise_math.h"
#include "kernels/vector_clones.h"

namespace quantscope::quant {

namespace {

using elementwise::clampTo;

// A per-tensor grid with an integer zero point, in ATen's fake_quantize_per_tensor_affine
// arithmetic (x times the reciprocal step, rounded half to even, shifted, clamped).
struct IntegerGrid
{
    float inverseStep, step, zero, qmin, qmax;

    IntegerGrid(double s, int64_t z, int64_t lo, int64_t hi)
        : inverseStep(1.0f / float(s)), step(float(s)), zero(float(z)), qmin(float(lo)),
          qmax(float(hi))
    {
    }

    // The code before clamping.
    float code(float x) const
    {
        return elementwise::nearestLevel(x * inverseStep, qmin - zero, qmax - zero) + zero;
    }
};

QS_VECTOR_CLONES
void fakeQuantizeSpan(const float *__restrict x, float *__restrict out, int64_t n,
                      const IntegerGrid grid)
{
    for (int64_t i = 0; i < n; ++i)
        out[i] = (clampTo(grid.code(x[i]), grid.qmin, grid.qmax) - grid.zero) * grid.step;
}

// The straight-through gradient: passed where the code fell inside the grid.
QS_VECTOR_CLONES
void passInsideSpan(const float *__restrict x, const float *__restrict g, float *__restrict gx,
                    int64_t n, const IntegerGrid grid)
{
    for (int64_t i = 0; i < n; ++i) {
        const float code = grid.code(x[i]);
        gx[i] = code >= grid.qmin && code <= grid.qmax ? g[i] : 0.0f;
    }
}

// ATen's per-tensor fake quantization, same values and mask, in one vectorized pass each way:
// ATen's own CPU kernel is a scalar loop calling fmin and fmax, which was a third of an ALQ
// run's time (its layer inputs, and every method's evaluation).
class FakeQuantizeFunction : public torch::autograd::Function<FakeQuantizeFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &x,
                                 double step, int64_t zero, int64_t qmin, int64_t qmax)
    {
        const auto xc = dense_layout::flat(x);
        ctx->save_for_backward({xc});
        const IntegerGrid grid(step, zero, qmin, qmax);
        ctx->saved_data["step"] = step;
        ctx->saved_data["zero"] = zero;
        ctx->saved_data["qmin"] = qmin;
        ctx->saved_data["qmax"] = qmax;
        auto out = torch::empty_like(xc);
        const float *px = xc.data_ptr<float>();
        float *po = out.data_ptr<float>();
        ChannelChunk::forEach(ChannelChunk::split(1, xc.numel()),
                              [&](size_t, const ChannelChunk &k) {
                                  fakeQuantizeSpan(px + k.begin, po + k.begin, k.end - k.begin,
                                                   grid);
                              });
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto x = ctx->get_saved_variables()[0];
        const IntegerGrid grid(ctx->saved_data["step"].toDouble(),
                               ctx->saved_data["zero"].toInt(), ctx->saved_data["qmin"].toInt(),
                               ctx->saved_data["qmax"].toInt());
        const auto g = dense_layout::stridedLike(grads[0], x);
        auto gx = torch::empty_like(x);
        const float *px = x.data_ptr<float>(), *pg = g.data_ptr<float>();
        float *pgx = gx.data_ptr<float>();
        ChannelChunk::forEach(ChannelChunk::split(1, x.numel()),
                              [&](size_t, const ChannelChunk &k) {
                                  passInsideSpan(px + k.begin, pg + k.begin, pgx + k.begin,
                                                 k.end - k.begin, grid);
                              });
        return {gx, {}, {}, {}, {}};
    }
};

} // namespace

std::function<torch::Tensor(const torch::Tensor &)> QuantGrid::quantizer() const
{
    return [grid = *this](const torch::Tensor &x) { return grid.fakeQuantize(x); };
}

torch::Tensor QuantGrid::fakeQuantize(const torch::Tensor &x) const
{
    if (binary) {
        // sign() with the STE: forward ±scale, gradient passes unchanged.
        std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
        shape[0] = scale.numel();
        const auto hard = torch::where(x >= 0, 1.0f, -1.0f) * scale.view(shape);
        return x + (hard - x).detach();
    }
    if (zeroPoint.is_floating_point()) {
        const auto s = scale.item<double>(), z = zeroPoint.item<double>();
        const auto q = (x / s + z).round().clamp(double(qmin), double(qmax));
        const auto inside = (x >= (double(qmin) - z) * s) & (x <= (double(qmax) - z) * s);
        return torch::where(inside, x, x.detach()) + ((q - z) * s - x).detach();
    }
    if (perChannel)
        return torch::fake_quantize_per_channel_affine(x, scale, zeroPoint.to(torch::kInt32), 0,
                                                       qmin, qmax);
    if (x.scalar_type() == torch::kFloat32 && x.is_cpu())
        return FakeQuantizeFunction::apply(x, scale.item<double>(), zeroPoint.item<int64_t>(),
                                           qmin, qmax);
    return torch::fake_quantize_per_tensor_affine(x, scale.item<double>(),
                                                  zeroPoint.item<int64_t>(), qmin, qmax);
}

std::vector<double> QuantGrid::levels(int64_t channel) const
{
    const double s = scale[perChannel ? channel : 0].item<double>();
    if (binary)
        return {-s, s};
    const double z = zeroPoint[perChannel ? channel : 0].item<double>();
    std::vector<double> out;
    for (int64_t q = qmin; q <= qmax; ++q)
        out.push_back(s * double(q - z));
    return out;
}

int64_t QuantGrid::widestChannel() const
{
    return perChannel ? scale.argmax().item<int64_t>() : 0;
}

GridGeometry QuantGrid::geometry() const
{
    const auto s = scale.to(torch::kFloat32).flatten();
    if (binary) // levels ±s: the lower one, two scales apart
        return {-s, 2 * s, 2};
    const auto z = zeroPoint.to(torch::kFloat32).flatten();
    return {s * (double(qmin) - z), s, qmax - qmin + 1};
}

} // namespace quantscope::quant
