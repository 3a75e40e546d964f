// SPDX-License-Identifier: MIT
#include "cpq_quantizer.h"

#include "channel_chunks.h"
#include "cpq_tensor_ops.h"
#include "elementwise_math.h"
#include "error.h"
#include "kernels/vector_clones.h"
#include "uniform_quantizer.h"

#include <ATen/Parallel.h>

#include <array>
#include <cmath>
#include <vector>

namespace quantscope::quant {

namespace {

using elementwise::clampTo;

constexpr int64_t kLanes = 16;    // partial sums of the step and ρ gradients

// The grid of one element: level range and step after its dropped levels.
struct Levels
{
    float low, high; // integer levels, as floats
};

Levels levelsOf(int bits, bool nonNegative, int drop)
{
    const int b = std::max(1, bits - drop);
    if (nonNegative)
        return {0.0f, float((1 << b) - 1)};
    return {-float(1 << (b - 1)), float((1 << (b - 1)) - 1)};
}

// The expected level F(t) = Σ_g g·π_g of a value t (in steps) under logistic noise of scale r
// (in steps), truncated to the levels [low, high] and renormalised (Relaxed Quantization), with
// its derivatives in t and r. Written by parts: with S_c = Sig((c − t)/r) at cell boundary c,
// Σ_g g(S_{g+½} − S_{g−½}) = high·S_top − low·S_bottom − Σ_{interior c} S_c, and
// Z = S_top − S_bottom. Interior boundaries further than `window` steps from t contribute
// S ≈ 1 (above) or 0 (below) and nothing to the derivatives.
struct Expected
{
    float value, dt, dr;
};

Expected expectedLevel(float tf, float rf, Levels l, int window)
{
    // Beyond the window of an end, a value is taken as if at the window's edge: the logistic's
    // exponential tails make the renormalised distribution there the same however far out
    // (a geometric fall over the end levels), but computed directly both logistics of the
    // normaliser would underflow and their ratio be noise. No gradient to x there.
    if (tf > l.high + float(window) || tf < l.low - float(window)) {
        const float edge = tf > l.high ? l.high + float(window) : l.low - float(window);
        const auto e = expectedLevel(edge, rf, l, window);
        return {e.value, 0.0f, e.dr};
    }
    // In double: below the grid both logistics of the normaliser are near 1, and their
    // difference would lose every float digit.
    const double t = tf, r = rf, low = l.low, high = l.high;
    const double n = std::clamp(std::nearbyint(t), low, high);
    double numerator = 0, dNdt = 0, dNdr = 0;
    // Sig((c − t)/r) through E = e^{−(c − t)/r}. The ends may lie hundreds of r away: their
    // exponent is held where e^E stays finite (libm's overflow path is slow), which changes
    // Sig by less than 1e-300.
    auto fromExponential = [](double e) { return 1.0 / (1.0 + e); };
    auto logisticAt = [&](double c) {
        return fromExponential(std::exp(std::clamp((t - c) / r, -700.0, 700.0)));
    };
    auto boundary = [&](double c, double s, double weight) { // adds weight·S_c, derivatives
        const double d = s * (1 - s);
        numerator += weight * s;
        dNdt += weight * (-d / r);
        dNdr += weight * (-d * (c - t) / (r * r));
    };
    const double top = high + 0.5, bottom = low - 0.5;
    const double sTop = logisticAt(top), sBottom = logisticAt(bottom);
    boundary(top, sTop, high);
    boundary(bottom, sBottom, -low);
    const double dTop = sTop * (1 - sTop), dBottom = sBottom * (1 - sBottom);
    const double z = std::max(sTop - sBottom, 1e-300);
    const double dZdt = (-dTop + dBottom) / r;
    const double dZdr = (-dTop * (top - t) + dBottom * (bottom - t)) / (r * r);
    // Interior boundaries g + ½ for g in [low, high − 1]: near t exactly, above the window as 1.
    // They are a step apart, so each one's E is the last one's times e^{−1/r}: two exp calls
    // instead of one per boundary (within the window E stays inside e^{±90} for r ≥ 0.05).
    const double first = std::max(low, n - double(window) - 1), last = std::min(high - 1, n + double(window));
    if (first <= last) {
        const double ratio = std::exp(-1.0 / r);
        double e = std::exp((t - (first + 0.5)) / r);
        for (double g = first; g <= last; g += 1, e *= ratio)
            boundary(g + 0.5, fromExponential(e), -1.0);
    }
    const double aboveFrom = std::max(last + 1, low);
    if (high - 1 >= aboveFrom)
        numerator -= (high - 1) - aboveFrom + 1;
    const double f = numerator / z;
    return {float(f), float((dNdt - f * dZdt) / z), float((dNdr - f * dZdr) / z)};
}

// The expected level's derivatives tabulated over t (in steps), for tensors too large to
// evaluate a dozen logistics per element: they depend on t, ρ and the level range only, not on
// the step. Linear interpolation between bins 32 to a ρ apart (the derivatives' features are ρ
// wide: against per-element values the error is below 1e-4 of their peak at ρ = 0.06, where a
// finer table cost more to build each step than the weights it served); beyond the window of
// the ends the derivatives are constant (expectedLevel). On a wide grid (an 8-bit input) every
// cell further than the window from both ends has the same derivatives as its neighbours, so
// the table keeps the two ends and one such cell, and folds the rest onto it.
class ExpectedTable
{
public:
    ExpectedTable(Levels l, float r, int window)
        : m_from(l.low - float(window) - 1), m_binsPerUnit(binsPerUnit(r))
    {
        const float to = l.high + float(window) + 1;
        if (folds(l, window)) {
            m_reference = l.low + float(window) + 2;
            m_interiorEnd = l.high - float(window) - 2.5f;
            m_shift = m_interiorEnd - (m_reference + 0.5f);
        }
        const auto bins = size_t((to - m_shift - m_from) * m_binsPerUnit) + 2;
        m_dt.resize(bins);
        m_dr.resize(bins);
        m_lastBin = float(bins - 1);
        m_lastPair = static_cast<int32_t>(bins - 2);
        at::parallel_for(0, int64_t(bins), 256, [&](int64_t begin, int64_t end) {
            for (int64_t j = begin; j < end; ++j) {
                float t = m_from + float(j) / m_binsPerUnit;
                if (m_shift > 0 && t >= m_reference + 0.5f)
                    t += m_shift; // the high end, after the reference cell
                const auto e = expectedLevel(t, r, l, window);
                m_dt[size_t(j)] = e.dt;
                m_dr[size_t(j)] = e.dr;
            }
        });
    }

    // What the span loop reads: plain values and pointers, so that the vectorizer sees the
    // table's loads as gathers (through the class's vectors it gave up in the AVX clones).
    struct View
    {
        const float *dt, *dr;
        float from, binsPerUnit, lastBin;
        int32_t lastPair;
        float reference, interiorEnd, shift;

        // dF/dt and dF/dr at t; beyond the table, its end bins' (constant out there). Selects,
        // not branches, so the span loop below vectorizes with gathers.
        [[gnu::always_inline]] std::pair<float, float> at(float t) const
        {
            // Folded: an interior cell takes the reference's values, the high end shifts down.
            const float interior = reference + (t - elementwise::roundNearest(t));
            const float folded =
                t >= interiorEnd ? t - shift : (t >= reference + 0.5f ? interior : t);
            t = shift > 0 ? folded : t;
            const float position = clampTo((t - from) * binsPerUnit, 0.0f, lastBin);
            const int32_t j = std::min(static_cast<int32_t>(position), lastPair);
            const float f = position - float(j);
            return {dt[j] + f * (dt[j + 1] - dt[j]), dr[j] + f * (dr[j + 1] - dr[j])};
        }
    };

    View view() const
    {
        return {m_dt.data(), m_dr.data(), m_from, m_binsPerUnit, m_lastBin, m_lastPair,
                m_reference, m_interiorEnd, m_shift};
    }

    // Worth building: a bin costs one per-element evaluation, a lookup a small part of one, so
    // for more elements than the table has bins, with a margin.
    static bool pays(int64_t elements, Levels l, float r, int window)
    {
        const double units = folds(l, window) ? 4.0 * window + 8 : double(l.high - l.low) + 2.0 * window + 2;
        return double(elements) > 2 * units * binsPerUnit(r);
    }

private:
    static float binsPerUnit(float r) { return std::max(32.0f, std::ceil(32.0f / r)); }
    static bool folds(Levels l, int window) { return l.high - l.low > 4.0f * float(window) + 10; }

    float m_from, m_binsPerUnit;
    float m_lastBin = 0;    // the position of the last bin
    int32_t m_lastPair = 0; // the first bin of the last pair that interpolates
    float m_reference = 0, m_interiorEnd = 0, m_shift = 0; // folding; m_shift 0: none
    std::vector<float> m_dt, m_dr;
};

// The hard forward on one uniform grid (no drops): the nearest level, clamped to the grid.
QS_VECTOR_CLONES
void quantizeSpan(const float *__restrict x, float *__restrict out, int64_t n, float step,
                  Levels l)
{
    for (int64_t i = 0; i < n; ++i) {
        const float level = elementwise::nearestLevel(x[i] / step, l.low, l.high);
        out[i] = step * clampTo(level, l.low, l.high);
    }
}

struct StepAndRatio
{
    double step = 0, ratio = 0;
};

// One element's share of the tabulated backward (see the loop of the general case for what
// each term is). Inlined by force: the span loop vectorizes only with it inside.
struct ElementGradient
{
    float x, step, ratio;
};
[[gnu::always_inline]] inline ElementGradient tabulatedGradientAt(float x, float g, float step,
                                                                  Levels l, int window,
                                                                  const ExpectedTable::View &table)
{
    const float t = x / step;
    const auto [dt, dr] = table.at(t);
    const float level = clampTo(elementwise::nearestLevel(t, l.low, l.high), l.low, l.high);
    const float stepDt = t > l.low + float(window) && t < l.high - float(window) ? 1.0f : dt;
    return {g * dt, g * (level - t * stepDt), g * step * dr};
}

// The backward of one channel's span on one uniform grid, with tabulated derivatives: writes
// ∂L/∂x and returns the span's sums for the step and ρ.
QS_VECTOR_CLONES
StepAndRatio tabulatedGradientSpan(const float *__restrict x, const float *__restrict g,
                                   float *__restrict gx, int64_t n, float step, Levels l,
                                   int window, const ExpectedTable::View table)
{
    // kLanes partial sums, so the loop vectorizes without reassociating a sum.
    std::array<float, kLanes> stepLanes{}, ratioLanes{};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int64_t j = 0; j < kLanes; ++j) {
            const auto d = tabulatedGradientAt(x[i + j], g[i + j], step, l, window, table);
            gx[i + j] = d.x;
            stepLanes[j] += d.step;
            ratioLanes[j] += d.ratio;
        }
    StepAndRatio sums;
    for (; i < n; ++i) {
        const auto d = tabulatedGradientAt(x[i], g[i], step, l, window, table);
        gx[i] = d.x;
        sums.step += d.step;
        sums.ratio += d.ratio;
    }
    for (int64_t j = 0; j < kLanes; ++j) {
        sums.step += stepLanes[j];
        sums.ratio += ratioLanes[j];
    }
    return sums;
}

// Elements per channel and the channel of element i, for a step of one entry per channel.
struct ChannelMap
{
    int64_t channels, perChannel;
    int64_t of(int64_t i) const { return channels == 1 ? 0 : i / perChannel; }
};

ChannelMap channelMap(const torch::Tensor &x, const torch::Tensor &step)
{
    const int64_t c = step.numel();
    if (c != 1 && (x.dim() == 0 || x.size(0) != c))
        throw Error("CPQ: a per-channel step needs the channels on dimension 0");
    return {c, c == 1 ? x.numel() : x.numel() / c};
}

// The hard forward and the multi-class STE backward, as one autograd function: the backward
// needs the element's level range and expected-level derivatives, which elementwise tensor ops
// would compute in a dozen passes over memory per boundary.
class CpqFunction : public torch::autograd::Function<CpqFunction>
{
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, torch::Tensor x,
                                 torch::Tensor step, torch::Tensor ratio, torch::Tensor drops,
                                 int64_t bits, bool nonNegative, double gradientScale,
                                 bool tensorOps)
    {
        const auto xc = x.contiguous();
        const auto sc = step.detach().contiguous();
        // No drops: an empty tensor (an undefined one has no device for autograd).
        const auto dc = drops.contiguous();
        ctx->save_for_backward({xc, sc, ratio});
        ctx->saved_data["drops"] = dc;
        ctx->saved_data["bits"] = bits;
        ctx->saved_data["nonNegative"] = nonNegative;
        ctx->saved_data["gradientScale"] = gradientScale;
        const bool useTensorOps = tensorOps || !xc.is_cpu(); // a GPU has no loops of ours
        ctx->saved_data["tensorOps"] = useTensorOps;
        const auto map = channelMap(xc, sc);
        if (useTensorOps)
            return CpqTensorOps::forward(xc, sc, dc, int(bits), nonNegative);
        auto out = torch::empty_like(xc);
        const float *px = xc.data_ptr<float>(), *ps = sc.data_ptr<float>();
        const int8_t *pd = dc.numel() ? dc.data_ptr<int8_t>() : nullptr;
        float *po = out.data_ptr<float>();
        if (!pd) { // one grid per channel: a vectorized loop per chunk
            const auto l = levelsOf(int(bits), nonNegative, 0);
            const auto chunks = ChannelChunk::split(map.channels, map.perChannel);
            ChannelChunk::forEach(chunks, [&](size_t, const ChannelChunk &k) {
                quantizeSpan(px + k.begin, po + k.begin, k.end - k.begin, ps[k.channel], l);
            });
            return out;
        }
        at::parallel_for(0, xc.numel(), 4096, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                const int drop = pd ? pd[i] : 0;
                const auto l = levelsOf(int(bits), nonNegative, drop);
                const float s = ps[map.of(i)] * float(1 << drop);
                po[i] = s * std::clamp(std::nearbyint(px[i] / s), l.low, l.high);
            }
        });
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &x = saved[0], &step = saved[1], &ratioTensor = saved[2];
        const auto drops = ctx->saved_data["drops"].toTensor();
        const int bits = int(ctx->saved_data["bits"].toInt());
        const bool nonNegative = ctx->saved_data["nonNegative"].toBool();
        const auto g = grads[0].contiguous();
        const double scale = ctx->saved_data["gradientScale"].toDouble();
        if (ctx->saved_data["tensorOps"].toBool()) {
            const auto d = CpqTensorOps::backward(x, step, ratioTensor, drops, g, bits, nonNegative);
            return {d.x, (d.step * scale).to(torch::kFloat32).view_as(step),
                    (d.ratio * scale).to(torch::kFloat32).view_as(ratioTensor), torch::Tensor(),
                    torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
        }
        const float r = ratioTensor.item<float>();
        const int window = CpqQuantizer::window(r);
        const auto map = channelMap(x, step);
        auto gx = torch::empty_like(x);
        // Per-channel and ρ sums, accumulated per chunk then added (no atomics on floats).
        const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads() * 4,
                                                                      x.numel() / 4096 + 1));
        auto gStepParts = torch::zeros({chunks, map.channels}, torch::kFloat64);
        auto gRatioParts = torch::zeros({chunks}, torch::kFloat64);
        const float *px = x.data_ptr<float>(), *ps = step.data_ptr<float>(),
                    *pg = g.data_ptr<float>();
        const int8_t *pd = drops.numel() ? drops.data_ptr<int8_t>() : nullptr;
        float *pgx = gx.data_ptr<float>();
        double *pStep = gStepParts.data_ptr<double>(), *pRatio = gRatioParts.data_ptr<double>();
        const int64_t n = x.numel(), perChunk = (n + chunks - 1) / chunks;
        // One grid for every element (no drops) over many elements: tabulated derivatives, in
        // a vectorized loop per chunk of a channel.
        if (!pd && ExpectedTable::pays(n, levelsOf(bits, nonNegative, 0), r, window)) {
            const auto l = levelsOf(bits, nonNegative, 0);
            const ExpectedTable table(l, r, window);
            const auto view = table.view();
            const auto spans = ChannelChunk::split(map.channels, map.perChannel);
            std::vector<StepAndRatio> parts(spans.size());
            ChannelChunk::forEach(spans, [&](size_t c, const ChannelChunk &k) {
                parts[c] = tabulatedGradientSpan(px + k.begin, pg + k.begin, pgx + k.begin,
                                                 k.end - k.begin, ps[k.channel], l, window, view);
            });
            double ratioSum = 0;
            for (size_t c = 0; c < spans.size(); ++c) {
                pStep[spans[c].channel] += parts[c].step; // the first chunk's row
                ratioSum += parts[c].ratio;
            }
            pRatio[0] = ratioSum;
        } else { // per-element grids (drops), or too few elements for a table
            at::parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
                for (int64_t chunk = c0; chunk < c1; ++chunk) {
                    double *stepSum = pStep + chunk * map.channels;
                    double ratioSum = 0;
                    const int64_t end = std::min(n, (chunk + 1) * perChunk);
                    for (int64_t i = chunk * perChunk; i < end; ++i) {
                        const int drop = pd ? pd[i] : 0;
                        const auto l = levelsOf(bits, nonNegative, drop);
                        const float scale = float(1 << drop);
                        const float s = ps[map.of(i)] * scale;
                        const float t = px[i] / s;
                        const auto e = expectedLevel(t, r, l, window);
                        const float dt = e.dt, dr = e.dr;
                        const float level = std::clamp(std::nearbyint(t), l.low, l.high);
                        pgx[i] = pg[i] * dt;
                        // x̂ = s·Σ_g g·ŷ_g with ŷ = y + π − sg(π): ∂x̂/∂s = k* − t·F'(t).
                        // Inside the grid, further than the window from its ends, F' is
                        // periodic — the comb that gathers values on levels — and the step
                        // takes its cell average, 1: the same in expectation over where a value
                        // lies in its cell, while t·F' itself swings by ±t, noise that grows
                        // with the grid (at W8A8 it threw the steps about: top-1 60 % instead
                        // of 91 %). Near the ends F' also carries the clipping, and is kept.
                        const bool interior =
                            t > l.low + float(window) && t < l.high - float(window);
                        const float stepDt = interior ? 1.0f : dt;
                        stepSum[map.of(i)] += double(pg[i]) * scale * (level - t * stepDt);
                        ratioSum += double(pg[i]) * s * dr;
                    }
                    pRatio[chunk] = ratioSum;
                }
            });
        }
        const auto gStep = (gStepParts.sum(0) * scale).to(torch::kFloat32).view_as(step);
        const auto gRatio = (gRatioParts.sum() * scale).to(torch::kFloat32).view_as(ratioTensor);
        return {gx, gStep, gRatio, torch::Tensor(), torch::Tensor(), torch::Tensor(),
                torch::Tensor(), torch::Tensor()};
    }
};

} // namespace

CpqQuantizer::CpqQuantizer(int bits, torch::Tensor step, bool nonNegative, double noiseRatio)
    : m_bits(bits), m_nonNegative(nonNegative)
{
    if (bits < 1 || bits > 8)
        throw Error("CPQ: bits must be 1…8 (got " + std::to_string(bits) + ")");
    if (step.dim() != 1 || step.numel() < 1)
        throw Error("CPQ: the step must be a 1-D tensor");
    m_step = step.detach().to(torch::kFloat32).clamp_min(1e-8).clone().requires_grad_(true);
    m_ratio = torch::tensor(float(std::clamp(noiseRatio, kRatioMin, kRatioMax)))
                  .to(m_step.device())
                  .requires_grad_(true);
}

torch::Tensor CpqQuantizer::forward(const torch::Tensor &x, int drop) const
{
    if (drop < 0 || drop >= m_bits)
        throw Error("CPQ: cannot drop " + std::to_string(drop) + " of " +
                    std::to_string(m_bits) + " bits");
    const auto drops = drop == 0 ? torch::empty({0}, torch::kInt8)
                                 : torch::full(x.sizes(), drop, x.options().dtype(torch::kInt8));
    return CpqFunction::apply(x.to(torch::kFloat32), m_step, m_ratio, drops, m_bits, m_nonNegative,
                              m_gradientScale, m_tensorOps);
}

torch::Tensor CpqQuantizer::forward(const torch::Tensor &x, const torch::Tensor &drops) const
{
    if (drops.sizes() != x.sizes() || drops.scalar_type() != torch::kInt8)
        throw Error("CPQ: the drops must be an int8 tensor shaped like the input");
    return CpqFunction::apply(x.to(torch::kFloat32), m_step, m_ratio, drops, m_bits, m_nonNegative,
                              m_gradientScale, m_tensorOps);
}

torch::Tensor CpqQuantizer::expected(const torch::Tensor &x, int drop) const
{
    torch::NoGradGuard noGrad;
    const auto xc = x.to(torch::kFloat32).contiguous();
    const auto step = m_step.detach().contiguous();
    const auto map = channelMap(xc, step);
    const auto l = levelsOf(m_bits, m_nonNegative, drop);
    const float r = m_ratio.item<float>();
    auto out = torch::empty_like(xc);
    const float *px = xc.data_ptr<float>(), *ps = step.data_ptr<float>();
    float *po = out.data_ptr<float>();
    for (int64_t i = 0; i < xc.numel(); ++i) {
        const float s = ps[map.of(i)] * float(1 << drop);
        po[i] = s * expectedLevel(px[i] / s, r, l, CpqQuantizer::window(r)).value;
    }
    return out;
}

void CpqQuantizer::constrain()
{
    torch::NoGradGuard noGrad;
    m_step.clamp_min_(1e-8);
    m_ratio.clamp_(kRatioMin, kRatioMax);
}

int64_t CpqQuantizer::largestLevel() const
{
    return m_nonNegative ? (int64_t(1) << m_bits) - 1 : (int64_t(1) << (m_bits - 1)) - 1;
}

std::vector<double> CpqQuantizer::levels(int64_t channel) const
{
    const auto l = levelsOf(m_bits, m_nonNegative, 0);
    const double step = m_step[channel].item<double>();
    std::vector<double> out;
    for (float k = l.low; k <= l.high; k += 1)
        out.push_back(step * double(k));
    return out;
}

int64_t CpqQuantizer::widestChannel() const
{
    return m_step.detach().argmax().item<int64_t>();
}

GridGeometry CpqQuantizer::geometry(int drop) const
{
    torch::NoGradGuard noGrad;
    const auto l = levelsOf(m_bits, m_nonNegative, drop);
    const auto step = m_step.detach() * double(1 << drop);
    return {step * double(l.low), step.clone(), int64_t(l.high - l.low) + 1};
}

QuantGrid CpqQuantizer::toGrid() const
{
    if (channels() != 1)
        throw Error("CPQ: only a per-tensor quantizer converts to an activation grid");
    const auto l = levelsOf(m_bits, m_nonNegative, 0);
    QuantGrid g;
    g.bits = m_bits;
    g.qmin = int64_t(l.low);
    g.qmax = int64_t(l.high);
    g.scale = m_step.detach().clone();
    g.zeroPoint = torch::zeros({1}, torch::kInt64);
    return g;
}

torch::Tensor CpqQuantizer::fitWeightStep(const torch::Tensor &w, int bits)
{
    // Per channel, the step of this grid (levels −2^(b−1) … 2^(b−1) − 1, one more below zero
    // than above) whose round-to-nearest error is smallest, over clips from max|w| down to a
    // fifth of it — searched on this grid itself: a symmetric fit made for ±(2^(b−1) − 1) levels
    // would waste the extra one, which at 2 bits is a quarter of the grid.
    torch::NoGradGuard noGrad;
    const auto rows = w.detach().reshape({w.size(0), -1}).to(torch::kFloat32);
    const double low = -double(1 << (bits - 1)), high = double((1 << (bits - 1)) - 1);
    const auto top = rows.abs().amax(1).clamp_min(1e-8);
    auto best = top / std::max(high, 1.0);
    auto bestError = torch::full_like(top, INFINITY);
    for (int i = 0; i < UniformQuantizer::kClipCandidates; ++i) {
        const double ratio = 1.0 - 0.01 * i;
        // The clip reaches the grid's far end on the side where the weights reach furthest.
        const auto step = (top * ratio / -low).unsqueeze(1);
        const auto error = (rows - step * (rows / step).round().clamp(low, high)).pow(2).sum(1);
        const auto better = error < bestError;
        bestError = torch::where(better, error, bestError);
        best = torch::where(better, step.squeeze(1), best);
    }
    return best;
}

} // namespace quantscope::quant
