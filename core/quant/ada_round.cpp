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
    return (torch::sigmoid(m_v) * (kZeta - kGamma) + kGamma).clamp(0.0, 1.0);
}

torch::Tensor AdaRound::quantizeWith(const torch::Tensor &h) const
{
    return m_scale * ((m_floor + h + m_zero).clamp(m_qmin, m_qmax) - m_zero);
}

torch::Tensor AdaRound::softWeight() const
{
    return quantizeWith(rectifiedSigmoid());
}

torch::Tensor AdaRound::hardWeight() const
{
    torch::NoGradGuard noGrad;
    return quantizeWith((m_v >= 0).to(torch::kFloat32));
}

torch::Tensor AdaRound::regularizer(double beta) const
{
    return (1.0 - (2.0 * rectifiedSigmoid() - 1.0).abs().pow(beta)).sum();
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
