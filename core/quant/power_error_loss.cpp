// SPDX-License-Identifier: MIT
#include "power_error_loss.h"

#include "channel_chunks.h"
#include "dense_layout.h"
#include "elementwise_math.h"
#include "kernels/vector_clones.h"

#include <cfloat>
#include <cmath>
#include <vector>

namespace quantscope::quant {

namespace {

// Summing over channels, then averaging, divides by the number of (sample, position).
double perTerm(const torch::Tensor &d)
{
    return double(d.size(1)) / double(d.numel());
}

// |d|^p as e^(p·ln|d|), p ≥ 1: 0 where d is 0 or subnormal (|d|^p < 1.2e-38 there), ±∞ and NaN
// pass through as ∞ and NaN.
[[gnu::always_inline]] inline float powerAt(float d, float p)
{
    const float a = std::fabs(d);
    const float power = elementwise::expApprox(p * elementwise::logApprox(a));
    return a <= FLT_MAX ? (a < FLT_MIN ? 0.0f : power) : a;
}

// Σ |d|^p over d[0, n).
QS_VECTOR_CLONES
double powerSpan(const float *__restrict d, int64_t n, float p)
{
    return elementwise::laneSum(n, [&](int64_t i) { return powerAt(d[i], p); });
}

// Σ |d|^p over d[0, n), writing the derivative times scale, scale·p·|d|^p / d, to slope: 0
// where d is 0 (the derivative is 0 there for p > 1) and where it is not finite.
QS_VECTOR_CLONES
double powerAndSlopeSpan(const float *__restrict d, float *__restrict slope, int64_t n, float p,
                         float scale)
{
    return elementwise::laneSum(n, [&](int64_t i) {
        const float power = powerAt(d[i], p);
        const float a = std::fabs(d[i]);
        slope[i] = a >= FLT_MIN && a <= FLT_MAX ? scale * p * power / d[i] : 0.0f;
        return power;
    });
}

// The loss of a float tensor on the CPU, Σ|d|^p times perTerm, in chunks over the intra-op
// threads (the chunks, not the threads, decide the order of the sum); slope, when defined
// (strided like d, which is then flat), gets the derivative. One pass over d: ATen's abs, pow,
// sum, div, nan_to_num and mul took six, and its vectorized pow alone was 12 % of a BRECQ run
// (perf).
torch::Tensor fusedLoss(const torch::Tensor &d, float p, const torch::Tensor &slope)
{
    const auto dense = dense_layout::flat(d);
    const float *pd = dense.data_ptr<float>();
    float *ps = slope.defined() ? slope.data_ptr<float>() : nullptr;
    const double scale = perTerm(d);
    const auto chunks = ChannelChunk::split(1, dense.numel());
    std::vector<double> parts(chunks.size());
    ChannelChunk::forEach(chunks, [&](size_t c, const ChannelChunk &k) {
        const int64_t n = k.end - k.begin;
        parts[c] = ps ? powerAndSlopeSpan(pd + k.begin, ps + k.begin, n, p, float(scale))
                      : powerSpan(pd + k.begin, n, p);
    });
    double sum = 0;
    for (double part : parts)
        sum += part;
    return torch::tensor(sum * scale, d.options());
}

// The fused loop serves float tensors on the CPU; p = 2 needs no power (ATen squares exactly,
// as fast), and other devices and types take ATen's composition.
bool fusable(const torch::Tensor &d, double p)
{
    return p != 2 && d.is_cpu() && d.scalar_type() == torch::kFloat32;
}

class PowerError : public torch::autograd::Function<PowerError>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &d,
                                 double p)
    {
        if (fusable(d, p)) {
            const auto dense = dense_layout::flat(d);
            const auto slope = torch::empty_like(dense);
            auto loss = fusedLoss(dense, float(p), slope);
            ctx->save_for_backward({slope});
            return loss;
        }
        const double scale = perTerm(d);
        const auto power = d.abs().pow_(p);
        // p·|d|^(p−1)·sign(d); at p = 2 simply 2d, elsewhere p·|d|^p / d, which is 0/0 where
        // d is 0 (the derivative is 0 there for p > 1).
        auto slope = p == 2 ? d.mul(2 * scale) : power.div(d).nan_to_num_(0).mul_(p * scale);
        ctx->save_for_backward({slope});
        return power.sum().mul_(scale);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        return {ctx->get_saved_variables()[0] * grads[0], torch::Tensor()};
    }
};

} // namespace

torch::Tensor PowerErrorLoss::apply(const torch::Tensor &difference, double p)
{
    if (torch::GradMode::is_enabled() && difference.requires_grad())
        return PowerError::apply(difference, p);
    // With no gradient to take (outputLoss, the mixed-precision sensitivities) the value alone:
    // the derivative would be made and thrown away.
    if (!fusable(difference, p))
        return difference.abs().pow_(p).sum().mul_(perTerm(difference));
    return fusedLoss(difference, float(p), {});
}

} // namespace quantscope::quant
