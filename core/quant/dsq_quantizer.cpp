// SPDX-License-Identifier: MIT
#include "dsq_quantizer.h"

#include "error.h"

#include <cmath>

namespace quantscope::quant {

namespace {

// Value of t, gradient scaled by `scale` (LSQ's grad_scale).
torch::Tensor scaleGradient(const torch::Tensor &t, double scale)
{
    if (scale == 1.0)
        return t;
    return (t - t * scale).detach() + t * scale;
}

// A per-channel vector shaped to broadcast over dimension 0 of x; a single range as a scalar.
torch::Tensor alongChannels(const torch::Tensor &v, const torch::Tensor &x)
{
    if (v.numel() == 1)
        return v.reshape({});
    std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
    shape[0] = v.numel();
    return v.view(shape);
}

} // namespace

DsqQuantizer::DsqQuantizer(int bits, double lower, double upper, double alpha, bool fixedLower)
    : DsqQuantizer(bits, torch::tensor({float(lower)}), torch::tensor({float(upper)}), alpha,
                   fixedLower)
{
}

DsqQuantizer::DsqQuantizer(int bits, torch::Tensor lower, torch::Tensor upper, double alpha,
                           bool fixedLower)
    : m_bits(bits), m_fixedLower(fixedLower)
{
    if (bits < 1 || bits > 8)
        throw Error("DSQ: bits must be 1…8 (got " + std::to_string(bits) + ")");
    if (lower.dim() != 1 || lower.sizes() != upper.sizes() || lower.numel() < 1)
        throw Error("DSQ: the lower and upper bounds must be 1-D tensors of one size");
    m_lower = lower.detach().to(torch::kFloat32).clone().requires_grad_(!fixedLower);
    m_upper = torch::max(upper.detach().to(torch::kFloat32), m_lower.detach() + 1e-6)
                  .requires_grad_(true);
    m_alpha = torch::tensor(std::clamp(alpha, kAlphaMin, kAlphaMax), torch::kFloat32)
                  .requires_grad_(true);
}

std::pair<torch::Tensor, torch::Tensor> DsqQuantizer::softAndHard(const torch::Tensor &x) const
{
    const double intervals = double((1 << m_bits) - 1);
    const auto lower = alongChannels(scaleGradient(m_lower, m_gradientScale), x);
    const auto upper = alongChannels(scaleGradient(m_upper, m_gradientScale), x);
    const auto delta = (upper - lower) / intervals;
    // max/min rather than clamp: a clipped value passes its gradient to the bound it hit.
    const auto clipped = torch::min(torch::max(x, lower), upper);
    // The interval index is a constant of the forward: gradients flow through φ, Δ and l only.
    const auto index = ((clipped - lower) / delta).floor().clamp(0, intervals - 1).detach();
    const auto centre = lower + (index + 0.5) * delta;
    const auto k = torch::log(2.0 / m_alpha - 1.0) / delta;
    const auto s = 1.0 / (1.0 - m_alpha);
    const auto phi = s * torch::tanh(k * (clipped - centre));
    const auto soft = lower + delta * (index + (phi + 1.0) / 2.0);
    // Round half up (φ = 0 exactly at the centre must still land on a level).
    const auto hard = lower + delta * (index + (phi.detach() >= 0).to(torch::kFloat32));
    return {soft, hard};
}

torch::Tensor DsqQuantizer::forward(const torch::Tensor &x) const
{
    const auto [soft, hard] = softAndHard(x);
    // Forward value of `hard`, gradient of `soft` (hard's own gradient through l and Δ is
    // dropped so that only the DSQ surrogate teaches the parameters).
    return soft + (hard - soft).detach();
}

torch::Tensor DsqQuantizer::soft(const torch::Tensor &x) const
{
    return softAndHard(x).first;
}

std::vector<torch::Tensor> DsqQuantizer::parameters() const
{
    if (m_fixedLower)
        return {m_upper, m_alpha};
    return {m_lower, m_upper, m_alpha};
}

void DsqQuantizer::constrain()
{
    torch::NoGradGuard noGrad;
    m_alpha.clamp_(kAlphaMin, kAlphaMax);
    m_upper.copy_(torch::max(m_upper, m_lower + 1e-6));
}

std::vector<double> DsqQuantizer::levels(int64_t channel) const
{
    const int n = (1 << m_bits) - 1;
    const double l = lower(channel), u = upper(channel);
    std::vector<double> out;
    for (int i = 0; i <= n; ++i)
        out.push_back(l + (u - l) * i / n);
    return out;
}

double DsqQuantizer::clippedShare(const torch::Tensor &x) const
{
    torch::NoGradGuard noGrad;
    const auto lower = alongChannels(m_lower, x), upper = alongChannels(m_upper, x);
    const auto halfStep = (upper - lower) / (2.0 * double((1 << m_bits) - 1));
    const auto outside = (x < lower - halfStep) | (x > upper + halfStep);
    return outside.to(torch::kFloat32).mean().item<double>();
}

int64_t DsqQuantizer::widestChannel() const
{
    return (m_upper - m_lower).argmax().item<int64_t>();
}

GridGeometry DsqQuantizer::geometry() const
{
    torch::NoGradGuard noGrad;
    const int64_t levels = int64_t(1) << m_bits;
    return {m_lower.detach().clone(), (m_upper - m_lower).detach() / double(levels - 1), levels};
}

QuantGrid DsqQuantizer::toGrid() const
{
    if (channels() != 1)
        throw Error("DSQ: only a per-tensor quantizer converts to an activation grid");
    QuantGrid g;
    g.bits = m_bits;
    g.qmin = 0;
    g.qmax = (int64_t(1) << m_bits) - 1;
    const double delta = (upper() - lower()) / double(g.qmax);
    g.scale = torch::tensor({float(delta)});
    g.zeroPoint = torch::tensor({float(-lower() / delta)});
    return g;
}

} // namespace quantscope::quant
