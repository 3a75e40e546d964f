// SPDX-License-Identifier: MIT
#include "dsq_quantizer.h"

#include "error.h"

#include <cmath>

namespace quantscope::quant {

DsqQuantizer::DsqQuantizer(int bits, double lower, double upper, double alpha, bool fixedLower)
    : m_bits(bits), m_fixedLower(fixedLower)
{
    if (bits < 1 || bits > 8)
        throw Error("DSQ: bits must be 1…8 (got " + std::to_string(bits) + ")");
    if (!(upper > lower))
        upper = lower + 1e-6;
    m_lower = torch::tensor(lower, torch::kFloat32).requires_grad_(!fixedLower);
    m_upper = torch::tensor(upper, torch::kFloat32).requires_grad_(true);
    m_alpha = torch::tensor(std::clamp(alpha, kAlphaMin, kAlphaMax), torch::kFloat32)
                  .requires_grad_(true);
}

std::pair<torch::Tensor, torch::Tensor> DsqQuantizer::softAndHard(const torch::Tensor &x) const
{
    const double intervals = double((1 << m_bits) - 1);
    const auto delta = (m_upper - m_lower) / intervals;
    // max/min rather than clamp: a clipped value passes its gradient to the bound it hit.
    const auto clipped = torch::min(torch::max(x, m_lower), m_upper);
    // The interval index is a constant of the forward: gradients flow through φ, Δ and l only.
    const auto index = ((clipped - m_lower) / delta).floor().clamp(0, intervals - 1).detach();
    const auto centre = m_lower + (index + 0.5) * delta;
    const auto k = torch::log(2.0 / m_alpha - 1.0) / delta;
    const auto s = 1.0 / (1.0 - m_alpha);
    const auto phi = s * torch::tanh(k * (clipped - centre));
    const auto soft = m_lower + delta * (index + (phi + 1.0) / 2.0);
    // Round half up (φ = 0 exactly at the centre must still land on a level).
    const auto hard = m_lower + delta * (index + (phi.detach() >= 0).to(torch::kFloat32));
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
    if (m_upper.item<double>() <= m_lower.item<double>() + 1e-6)
        m_upper.fill_(m_lower.item<double>() + 1e-6);
}

std::vector<double> DsqQuantizer::levels() const
{
    const int n = (1 << m_bits) - 1;
    const double l = lower(), u = upper();
    std::vector<double> out;
    for (int i = 0; i <= n; ++i)
        out.push_back(l + (u - l) * i / n);
    return out;
}

QuantGrid DsqQuantizer::toGrid() const
{
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
