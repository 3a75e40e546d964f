// SPDX-License-Identifier: MIT
#include "dsq_quantizer.h"

#include "channel_chunks.h"
#include "elementwise_math.h"
#include "error.h"
#include "kernels/vector_clones.h"

#include <array>
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

using elementwise::clampTo;

constexpr int64_t kLanes = 16;    // partial sums of each parameter gradient

// One channel's grid and the constants of its soft staircase.
struct ChannelGrid
{
    float lower, upper, delta;
    float top;       // the highest interval index, 2^bits − 2
    float logRatio;  // L = log(2/α − 1) = kΔ, the slope of φ's argument over one step
    float sharpness; // s = 1/(1 − α)

    // The interval index of a clipped value, exactly as (c − l)/Δ floored and clamped.
    float index(float clipped) const
    {
        return clampTo(elementwise::floorSmall((clipped - lower) / delta), 0.0f, top);
    }
    float centre(float index) const { return lower + (index + 0.5f) * delta; }
};

// The forward value: the level below or above the interval's centre (half up), on [l, u].
QS_VECTOR_CLONES
void quantizeSpan(const float *__restrict x, float *__restrict out, int64_t n,
                  const ChannelGrid grid)
{
    for (int64_t i = 0; i < n; ++i) {
        const float clipped = clampTo(x[i], grid.lower, grid.upper);
        const float index = grid.index(clipped);
        const float up = clipped >= grid.centre(index) ? 1.0f : 0.0f;
        out[i] = grid.lower + grid.delta * (index + up);
    }
}

// The soft staircase Q_S = l + Δ(i + (φ + 1)/2), φ = s·tanh(z), z = L(c − m)/Δ, differentiated
// by hand (c the clipped value, m the interval's centre, i constant):
//   ∂Q_S/∂c = (sL/2)(1 − t²)                     t = tanh(z)
//   ∂Q_S/∂l = 1 − (sL/2)(1 − t²)                 through l itself and m
//   ∂Q_S/∂Δ = i + (st + 1)/2 − (s/2)(1 − t²)(z + L(i + ½))
//   ∂Q_S/∂α = (Δ/2)(s²t + s(1 − t²)(z/L)·dL/dα)  dL/dα = −2/(α(2 − α))
// and Δ = (u − l)/n. A clipped value passes ∂Q_S/∂c to the bound it hit, half of it on a tie
// (as max/min do); there Q_S is the bound itself, so its other terms vanish.
struct ElementGradient
{
    float x, lower, upper, delta, alpha;
};
// Inlined by force: the loop below vectorizes only with it inside.
[[gnu::always_inline]] inline ElementGradient gradientAt(float x, float g, const ChannelGrid &grid,
                                                       float dLogRatio)
{
    const float clipped = clampTo(x, grid.lower, grid.upper);
    const float index = grid.index(clipped);
    const float zOverL = (clipped - grid.centre(index)) / grid.delta;
    const float z = grid.logRatio * zOverL;
    const float t = elementwise::tanhApprox(z);
    const float slope = 1.0f - t * t;
    const float gc = g * 0.5f * grid.sharpness * grid.logRatio * slope;
    const float below = x < grid.lower ? 1.0f : (x == grid.lower ? 0.5f : 0.0f);
    const float above = x > grid.upper ? 1.0f : (x == grid.upper ? 0.5f : 0.0f);
    const float s = grid.sharpness;
    return {gc * (1.0f - below - above), (g - gc) + gc * below, gc * above,
            g * (index + 0.5f * (s * t + 1.0f) -
                 0.5f * s * slope * (z + grid.logRatio * (index + 0.5f))),
            g * 0.5f * grid.delta * (s * s * t + s * slope * zOverL * dLogRatio)};
}

// Sums of one span's parameter gradients (before Δ is split onto l and u).
struct SpanSums
{
    double lower = 0, upper = 0, delta = 0, alpha = 0;
};

QS_VECTOR_CLONES
SpanSums gradientSpan(const float *__restrict x, const float *__restrict g,
                      float *__restrict gx, int64_t n, const ChannelGrid grid, float dLogRatio)
{
    // kLanes partial sums per parameter, so the loop vectorizes without reassociating a sum.
    std::array<float, kLanes> lower{}, upper{}, delta{}, alpha{};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int64_t j = 0; j < kLanes; ++j) {
            const auto d = gradientAt(x[i + j], g[i + j], grid, dLogRatio);
            gx[i + j] = d.x;
            lower[j] += d.lower;
            upper[j] += d.upper;
            delta[j] += d.delta;
            alpha[j] += d.alpha;
        }
    SpanSums sums;
    for (; i < n; ++i) {
        const auto d = gradientAt(x[i], g[i], grid, dLogRatio);
        gx[i] = d.x;
        sums.lower += d.lower;
        sums.upper += d.upper;
        sums.delta += d.delta;
        sums.alpha += d.alpha;
    }
    for (int64_t j = 0; j < kLanes; ++j) {
        sums.lower += lower[j];
        sums.upper += upper[j];
        sums.delta += delta[j];
        sums.alpha += alpha[j];
    }
    return sums;
}

std::vector<ChannelGrid> channelGrids(const torch::Tensor &lower, const torch::Tensor &upper,
                                      double alpha, int bits)
{
    const auto l = lower.detach().contiguous(), u = upper.detach().contiguous();
    const float intervals = float((1 << bits) - 1);
    std::vector<ChannelGrid> grids;
    for (int64_t c = 0; c < l.numel(); ++c) {
        const float lo = l.data_ptr<float>()[c], hi = u.data_ptr<float>()[c];
        grids.push_back({lo, hi, (hi - lo) / intervals, intervals - 1.0f,
                         float(std::log(2.0 / alpha - 1.0)), float(1.0 / (1.0 - alpha))});
    }
    return grids;
}

// The quantizer as one autograd function: one pass over x forward (no tanh: the hard value
// only compares with the interval's centre) and one backward that writes ∂L/∂x and sums the
// gradients of l, u and α. As composed tensor ops it was about twenty passes each way.
class DsqFunction : public torch::autograd::Function<DsqFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &x,
                                 const torch::Tensor &lower, const torch::Tensor &upper,
                                 const torch::Tensor &alpha, int64_t bits, double gradientScale)
    {
        const auto xc = x.contiguous();
        ctx->save_for_backward({xc, lower, upper, alpha});
        ctx->saved_data["bits"] = bits;
        ctx->saved_data["scale"] = gradientScale;
        const auto grids = channelGrids(lower, upper, alpha.item<double>(), int(bits));
        const auto chunks =
            ChannelChunk::split(int64_t(grids.size()), xc.numel() / int64_t(grids.size()));
        auto out = torch::empty_like(xc);
        const float *px = xc.data_ptr<float>();
        float *po = out.data_ptr<float>();
        ChannelChunk::forEach(chunks, [&](size_t, const ChannelChunk &k) {
            quantizeSpan(px + k.begin, po + k.begin, k.end - k.begin, grids[size_t(k.channel)]);
        });
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &x = saved[0];
        const int bits = int(ctx->saved_data["bits"].toInt());
        const double scale = ctx->saved_data["scale"].toDouble();
        const double alpha = saved[3].item<double>();
        const auto grids = channelGrids(saved[1], saved[2], alpha, bits);
        const int64_t channels = int64_t(grids.size());
        const auto chunks = ChannelChunk::split(channels, x.numel() / channels);
        const float dLogRatio = float(-2.0 / (alpha * (2.0 - alpha)));
        const auto g = grads[0].contiguous();
        auto gx = torch::empty_like(x);
        std::vector<SpanSums> parts(chunks.size());
        const float *px = x.data_ptr<float>(), *pg = g.data_ptr<float>();
        float *pgx = gx.data_ptr<float>();
        ChannelChunk::forEach(chunks, [&](size_t c, const ChannelChunk &k) {
            parts[c] = gradientSpan(px + k.begin, pg + k.begin, pgx + k.begin, k.end - k.begin,
                                    grids[size_t(k.channel)], dLogRatio);
        });
        std::vector<SpanSums> sums(static_cast<size_t>(channels));
        for (size_t c = 0; c < chunks.size(); ++c) {
            SpanSums &s = sums[size_t(chunks[c].channel)];
            s.lower += parts[c].lower;
            s.upper += parts[c].upper;
            s.delta += parts[c].delta;
            s.alpha += parts[c].alpha;
        }
        const double intervals = double((1 << bits) - 1);
        auto gLower = torch::empty({channels}), gUpper = torch::empty({channels});
        float *pl = gLower.data_ptr<float>(), *pu = gUpper.data_ptr<float>();
        double gAlpha = 0;
        for (int64_t c = 0; c < channels; ++c) {
            const SpanSums &s = sums[size_t(c)];
            pl[c] = float(scale * (s.lower - s.delta / intervals));
            pu[c] = float(scale * (s.upper + s.delta / intervals));
            gAlpha += s.alpha;
        }
        return {gx, gLower, gUpper, torch::full_like(saved[3], gAlpha), {}, {}};
    }
};

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
    if (x.scalar_type() != torch::kFloat32 || (channels() != 1 && x.size(0) != channels()))
        throw Error("DSQ: quantizes float tensors with one range per tensor or per dimension 0");
    if (!x.is_cpu()) {
        // On a GPU the composed ops (DsqFunction is a CPU loop): the same values, and through
        // the straight-through sum the same gradients as autograd through soft().
        const auto [soft, hard] = softAndHard(x);
        return soft + (hard - soft).detach();
    }
    return DsqFunction::apply(x, m_lower, m_upper, m_alpha, int64_t(m_bits), m_gradientScale);
}

void DsqQuantizer::moveTo(c10::Device device)
{
    torch::NoGradGuard noGrad;
    m_lower = m_lower.to(device).requires_grad_(!m_fixedLower);
    m_upper = m_upper.to(device).requires_grad_(true);
    m_alpha = m_alpha.to(device).requires_grad_(true);
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
