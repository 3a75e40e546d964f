// SPDX-License-Identifier: MIT
#include "ada_round.h"

#include "error.h"

namespace quantscope::quant {

namespace {
// Per-channel parameters as [C, 1, …] so they broadcast over a weight of any rank.
torch::Tensor broadcastable(const torch::Tensor &t, const torch::Tensor &weight, bool perChannel)
{
    std::vector<int64_t> shape(static_cast<size_t>(weight.dim()), 1);
    if (perChannel)
        shape[0] = t.numel();
    return t.to(torch::kFloat32).view(shape);
}

// The soft weight and the regulariser as one autograd function. Composed of tensor ops they
// took about twenty forward and thirty backward ops per layer and iteration, each with its own
// allocation and dispatch; on the demo's small layers that cost more than the convolutions.
// Here the forward runs its ops in place without recording them, and saves ∂weight/∂V and
// ∂regulariser/∂V, so the backward is one multiply-add.
class SoftRounding : public torch::autograd::Function<SoftRounding>
{
public:
    static torch::autograd::variable_list forward(torch::autograd::AutogradContext *ctx,
                                                  const torch::Tensor &v,
                                                  const torch::Tensor &floor,
                                                  const torch::Tensor &scale,
                                                  const torch::Tensor &zero, double qmin,
                                                  double qmax, double beta)
    {
        constexpr double span = AdaRound::kZeta - AdaRound::kGamma;
        const auto sig = torch::sigmoid(v);
        auto h = sig.mul(span).add_(AdaRound::kGamma);
        // ∂h/∂V = (ζ − γ)·σ(1 − σ) where the rectification does not clip h.
        auto dh = sig.neg().add_(1).mul_(sig).mul_(span).mul_(h.gt(0).logical_and_(h.lt(1)));
        h.clamp_(0, 1);
        auto q = h.add(floor).add_(zero);
        const auto dWeight = dh.mul(scale).mul_(q.ge(qmin).logical_and_(q.le(qmax)));
        const auto weight = q.clamp_(qmin, qmax).sub_(zero).mul_(scale);
        torch::Tensor regularizer, dRegularizer;
        if (beta > 0) {
            // t = 2h − 1: Σ(1 − |t|^β), ∂/∂h = −2β·|t|^(β−1)·sign(t).
            const auto t = h.mul(2).sub_(1);
            const auto a = t.abs();
            const auto power = a.pow(beta - 1);
            regularizer = power.mul(a).neg_().add_(1).sum();
            dRegularizer = power.mul_(t.sign()).mul_(-2 * beta).mul_(dh);
        } else {
            regularizer = torch::zeros({}, v.options()); // its gradient is not needed
        }
        ctx->save_for_backward({dWeight, dRegularizer});
        return {weight, regularizer};
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        auto dv = grads[0] * saved[0];
        if (saved[1].defined())
            dv.add_(saved[1] * grads[1]);
        return {dv, {}, {}, {}, {}, {}, {}};
    }
};
} // namespace

AdaRound::AdaRound(const torch::Tensor &weight, const QuantGrid &grid)
{
    if (grid.binary)
        throw Error("AdaRound needs a multi-level grid (2 bits or more)");
    torch::NoGradGuard noGrad;
    const auto w = weight.detach().to(torch::kFloat32);
    m_scale = broadcastable(grid.scale, w, grid.perChannel);
    m_zero = broadcastable(grid.zeroPoint, w, grid.perChannel);
    m_qmin = double(grid.qmin);
    m_qmax = double(grid.qmax);
    const auto scaled = w / m_scale;
    m_floor = scaled.floor();
    m_rest = scaled - m_floor;
    // Inverse of the rectified sigmoid at h = rest (rest lies in [0, 1), inside (γ, ζ)).
    m_v = (-torch::log((kZeta - kGamma) / (m_rest - kGamma) - 1.0)).requires_grad_(true);
}

torch::Tensor AdaRound::rectifiedSigmoid() const
{
    torch::NoGradGuard noGrad;
    return (torch::sigmoid(m_v) * (kZeta - kGamma) + kGamma).clamp(0.0, 1.0);
}

AdaRound::Soft AdaRound::soft(double beta) const
{
    auto out = SoftRounding::apply(m_v, m_floor, m_scale, m_zero, m_qmin, m_qmax, beta);
    return {out[0], out[1]};
}

torch::Tensor AdaRound::hardWeight() const
{
    torch::NoGradGuard noGrad;
    const auto h = (m_v >= 0).to(torch::kFloat32);
    return m_scale * ((m_floor + h + m_zero).clamp(m_qmin, m_qmax) - m_zero);
}

double AdaRound::roundedUpShare() const
{
    torch::NoGradGuard noGrad;
    return (m_v >= 0).to(torch::kFloat32).mean().item<double>();
}

double AdaRound::flippedShare() const
{
    torch::NoGradGuard noGrad;
    return ((m_v >= 0) != (m_rest >= 0.5)).to(torch::kFloat32).mean().item<double>();
}

double AdaRound::undecidedShare() const
{
    torch::NoGradGuard noGrad;
    const auto h = rectifiedSigmoid();
    return ((h > 0) & (h < 1)).to(torch::kFloat32).mean().item<double>();
}

} // namespace quantscope::quant
