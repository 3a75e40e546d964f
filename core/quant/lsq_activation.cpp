// SPDX-License-Identifier: MIT
#include "lsq_activation.h"

#include "error.h"

namespace quantscope::quant {

LsqActivation::LsqActivation(const QuantGrid &initial) : m_grid(initial)
{
    if (initial.perChannel || initial.binary)
        throw Error("learned activation steps need a per-tensor multi-level grid");
    m_step = initial.scale.detach().to(torch::kFloat32).flatten().clone().requires_grad_(true);
    m_zero = initial.zeroPoint.to(torch::kFloat64).item<double>();
}

torch::Tensor LsqActivation::operator()(const torch::Tensor &x) const
{
    const auto scaled = x / m_step;
    const auto rounded = scaled + (scaled.round() - scaled).detach(); // straight through
    return m_step * ((rounded + m_zero).clamp(double(m_grid.qmin), double(m_grid.qmax)) - m_zero);
}

QuantGrid LsqActivation::grid() const
{
    QuantGrid out = m_grid;
    // A step pushed to or below zero would break the grid; keep the smallest positive one.
    out.scale = m_step.detach().clamp_min(1e-8).clone();
    return out;
}

} // namespace quantscope::quant
