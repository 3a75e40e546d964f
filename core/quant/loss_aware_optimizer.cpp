// SPDX-License-Identifier: MIT
#include "loss_aware_optimizer.h"

#include <cmath>
#include <limits>

namespace quantscope::quant {

namespace {
constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEpsilon = 1e-8;

void amsgrad(torch::Tensor &m, torch::Tensor &v, torch::Tensor &vmax, const torch::Tensor &g)
{
    m.mul_(kBeta1).add_(g, 1 - kBeta1);
    v.mul_(kBeta2).addcmul_(g, g, 1 - kBeta2);
    vmax = torch::max(vmax, v);
}
} // namespace

LossAwareOptimizer::LossAwareOptimizer(std::vector<BinaryBasisLayer> &layers) : m_layers(layers)
{
    for (const auto &l : layers) {
        const auto w = l.reconstruct();
        const auto a = l.scales();
        m_moments.push_back({torch::zeros_like(w), torch::zeros_like(w), torch::zeros_like(w),
                             torch::zeros_like(a), torch::zeros_like(a), torch::zeros_like(a),
                             {}});
    }
}

torch::Tensor LossAwareOptimizer::curvature(const torch::Tensor &vmax) const
{
    return (vmax.sqrt() + kEpsilon) / std::sqrt(1 - std::pow(kBeta2, double(m_step)));
}

torch::Tensor LossAwareOptimizer::mean(const torch::Tensor &m) const
{
    return m / (1 - std::pow(kBeta1, double(m_step)));
}

void LossAwareOptimizer::accumulate(const std::vector<torch::Tensor> &gradients)
{
    torch::NoGradGuard noGrad;
    ++m_step;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        auto &s = m_moments[i];
        amsgrad(s.m, s.v, s.vmax, gradients[i]);
        amsgrad(s.ma, s.va, s.vmaxa, m_layers[i].scaleGradient(gradients[i]));
    }
}

void LossAwareOptimizer::reproject(size_t i)
{
    auto &s = m_moments[i];
    const auto &l = m_layers[i];
    s.ma = l.scaleGradient(s.m);
    s.va = l.groupSum(s.v);
    s.vmaxa = l.groupSum(s.vmax);
}

void LossAwareOptimizer::basisStep(double lr)
{
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        const auto &s = m_moments[i];
        const auto d = curvature(s.vmax);
        const auto target = m_layers[i].reconstruct() - lr * mean(s.m) / d;
        m_layers[i].basisStep(target, d);
        reproject(i);
    }
}

void LossAwareOptimizer::coordinateStep(double lr)
{
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        const auto &s = m_moments[i];
        m_layers[i].shiftScales(lr * mean(s.ma) / curvature(s.vmaxa));
    }
}

void LossAwareOptimizer::startShadow()
{
    for (size_t i = 0; i < m_layers.size(); ++i)
        m_moments[i].shadow = m_layers[i].reconstruct();
}

void LossAwareOptimizer::shadowStep(double lr)
{
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        auto &s = m_moments[i];
        const auto d = curvature(s.vmax);
        s.shadow = s.shadow - lr * mean(s.m) / d;
        m_layers[i].basisStep(s.shadow, d);
        reproject(i);
    }
}

torch::Tensor LossAwareOptimizer::importance(int layer, double lr) const
{
    const auto &s = m_moments[size_t(layer)];
    const auto &l = m_layers[size_t(layer)];
    const auto a = l.scales();
    const auto delta = -mean(s.ma) * a + 0.5 * (curvature(s.vmaxa) / lr) * a.square();
    return torch::where(l.mask() > 0, delta,
                        torch::full_like(delta, std::numeric_limits<float>::infinity()));
}

std::vector<std::pair<std::string, torch::Tensor>> LossAwareOptimizer::state(int layer) const
{
    const auto &s = m_moments[size_t(layer)];
    std::vector<std::pair<std::string, torch::Tensor>> out = {
        {"m", s.m}, {"v", s.v}, {"vmax", s.vmax},
        {"alpha_m", s.ma}, {"alpha_v", s.va}, {"alpha_vmax", s.vmaxa}};
    if (s.shadow.defined())
        out.emplace_back("shadow", s.shadow);
    out.emplace_back("step", torch::tensor(m_step, torch::kInt64));
    return out;
}

} // namespace quantscope::quant
