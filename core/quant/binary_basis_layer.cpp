// SPDX-License-Identifier: MIT
#include "binary_basis_layer.h"

#include "error.h"

#include <algorithm>
#include <vector>

namespace quantscope::quant {

namespace {

// Every code c ∈ {−1, +1}^I as rows of [2^I, I]: bit i of the row index set → +1.
torch::Tensor allCodes(int bases, c10::Device device)
{
    const int64_t count = int64_t(1) << bases;
    const auto options = torch::TensorOptions(torch::kInt64).device(device);
    const auto index = torch::arange(count, options).unsqueeze(1);
    const auto bit = torch::arange(bases, options).unsqueeze(0);
    return (index.bitwise_right_shift(bit).bitwise_and(1) * 2 - 1).to(torch::kFloat32);
}

// α = argmin Σ_j w_j (t_j − Σ_i α_i B_ij)² per group over the active bases, solved in double:
// (B W Bᵀ + diag(1 − m) + εI) α = B W t. The 1 − m term keeps pruned rows invertible (their α
// comes out 0); ε, relative to the system's scale, settles bases that coincide.
torch::Tensor fitScalesOfGroups(const torch::Tensor &bases, const torch::Tensor &mask,
                                const torch::Tensor &target, const torch::Tensor &weight)
{
    const auto b = bases.to(torch::kFloat64) * mask.to(torch::kFloat64).unsqueeze(2);
    const auto w = weight.to(torch::kFloat64);
    auto a = torch::einsum("gin,gjn->gij", {b * w.unsqueeze(1), b});
    const int64_t count = mask.size(1);
    const auto eye = torch::eye(count, a.options()).unsqueeze(0);
    const auto scale = a.diagonal(0, 1, 2).mean(1).clamp_min(1e-30).view({-1, 1, 1});
    a = a + torch::diag_embed(1.0 - mask.to(torch::kFloat64)) + eye * (1e-9 * scale);
    const auto rhs = torch::einsum("gin,gn->gi", {b, w * target.to(torch::kFloat64)});
    const auto alpha = at::linalg_solve(a, rhs.unsqueeze(2), /*left=*/true).squeeze(2);
    return (alpha * mask.to(torch::kFloat64)).to(torch::kFloat32);
}

// Groups per slice for work whose temporaries are [groups, I, n]: whole, on VGG-11's first
// linear layer (103 M weights, 6 bases), each was 2.5 GB in float and 5 GB in double, and an
// ALQ run went past 24 GB. A slice holds at most 2^24 of their elements.
int64_t groupsPerSlice(const torch::Tensor &bases)
{
    constexpr int64_t kSliceElements = int64_t(1) << 24;
    return std::max<int64_t>(1, kSliceElements / (bases.size(1) * bases.size(2)));
}

// The same, a slice of groups at a time.
torch::Tensor fitScales(const torch::Tensor &bases, const torch::Tensor &mask,
                        const torch::Tensor &target, const torch::Tensor &weight)
{
    const int64_t groups = bases.size(0);
    const int64_t slice = groupsPerSlice(bases);
    std::vector<torch::Tensor> parts;
    for (int64_t g = 0; g < groups; g += slice) {
        const int64_t end = std::min(groups, g + slice);
        parts.push_back(fitScalesOfGroups(bases.slice(0, g, end), mask.slice(0, g, end),
                                          target.slice(0, g, end), weight.slice(0, g, end)));
    }
    return torch::cat(parts);
}

} // namespace

BinaryBasisLayer::BinaryBasisLayer(const torch::Tensor &weight, BasisGrouping grouping,
                                   int maxBases, int pieces)
    : m_grouping(grouping), m_shape(weight.sizes().vec())
{
    if (maxBases < 1 || maxBases > 16)
        throw Error("binary bases: between 1 and 16 per group");
    const bool conv = weight.dim() == 4;
    if ((grouping == BasisGrouping::Pixel || grouping == BasisGrouping::Kernel) && !conv)
        throw Error("binary bases: pixel- and kernel-wise groups need a convolution's weight");
    if (grouping == BasisGrouping::SubChannel) {
        const int64_t row = weight.numel() / weight.size(0);
        m_pieces = pieces >= 1 && row % pieces == 0 ? pieces : 1;
    }
    torch::NoGradGuard noGrad;
    const auto w = toGroups(weight.detach().to(torch::kFloat32));
    const int64_t groups = w.size(0), n = w.size(1);
    const int bases = int(std::min<int64_t>(maxBases, n));
    m_bases = torch::ones({groups, bases, n}, w.options());
    m_scales = torch::zeros({groups, bases}, w.options());
    m_mask = torch::zeros({groups, bases}, w.options());
    const auto norm = w.square().sum(1);
    const auto ones = torch::ones_like(w);
    auto residual = w;
    for (int i = 0; i < bases; ++i) {
        // A group stops when its residual has vanished (it is then exact).
        const auto active = (residual.square().sum(1) > 1e-6 * norm).to(torch::kFloat32);
        if (active.sum().item<double>() == 0)
            break;
        m_bases.select(1, i).copy_(torch::where(residual >= 0, 1.0f, -1.0f));
        m_mask.select(1, i).copy_(active);
        m_scales = fitScales(m_bases, m_mask, w, ones);
        residual = w - toGroups(reconstruct());
    }
    flipNegativeScales();
    m_mask = m_mask * m_scales.ne(0).to(torch::kFloat32); // a basis that fits nothing is none
}

torch::Tensor BinaryBasisLayer::toGroups(const torch::Tensor &x) const
{
    const int64_t out = m_shape[0];
    switch (m_grouping) {
    case BasisGrouping::Channel:
        return x.reshape({out, -1});
    case BasisGrouping::Pixel:
        return x.permute({0, 2, 3, 1}).reshape({-1, m_shape[1]});
    case BasisGrouping::Kernel:
        return x.reshape({out * m_shape[1], -1});
    case BasisGrouping::SubChannel:
        return x.reshape({out * m_pieces, -1});
    }
    return x;
}

torch::Tensor BinaryBasisLayer::fromGroups(const torch::Tensor &g) const
{
    if (m_grouping == BasisGrouping::Pixel)
        return g.reshape({m_shape[0], m_shape[2], m_shape[3], m_shape[1]})
            .permute({0, 3, 1, 2})
            .contiguous();
    return g.reshape(m_shape);
}

torch::Tensor BinaryBasisLayer::reconstruct() const
{
    return fromGroups(torch::einsum("gi,gin->gn", {m_scales * m_mask, m_bases}));
}

void BinaryBasisLayer::basisStep(const torch::Tensor &target, const torch::Tensor &curvature)
{
    torch::NoGradGuard noGrad;
    const auto t = toGroups(target.to(torch::kFloat32)).contiguous();
    const auto d = toGroups(curvature.to(torch::kFloat32));
    const int bases = maxBases();
    const int64_t groups = groupCount(), n = groupSize(), count = int64_t(1) << bases;
    const auto codes = allCodes(bases, t.device());
    // Each weight's nearest value among the group's 2^I code values: sort them once per group,
    // then a binary search per weight — never the [G, n, 2^I] table of all distances.
    const auto values = (m_scales * m_mask).matmul(codes.t()); // [G, 2^I]
    const auto [sorted, order] = values.sort(1);
    const int64_t slice = groupsPerSlice(m_bases);
    for (int64_t g = 0; g < groups; g += slice) {
        const int64_t end = std::min(groups, g + slice);
        const auto ts = t.slice(0, g, end);
        const auto sortedSlice = sorted.slice(0, g, end).contiguous();
        const auto index = torch::searchsorted(sortedSlice, ts);
        const auto lo = (index - 1).clamp(0, count - 1), hi = index.clamp(0, count - 1);
        const auto nearer =
            (ts - sortedSlice.gather(1, lo)).abs() <= (sortedSlice.gather(1, hi) - ts).abs();
        const auto code = order.slice(0, g, end).gather(1, torch::where(nearer, lo, hi));
        m_bases.slice(0, g, end).copy_(
            codes.index_select(0, code.reshape(-1)).view({end - g, n, bases}).permute({0, 2, 1}));
    }
    m_scales = fitScales(m_bases, m_mask, t, d);
    flipNegativeScales();
}

double BinaryBasisLayer::weightedError(const torch::Tensor &target,
                                       const torch::Tensor &curvature) const
{
    return (curvature * (reconstruct() - target).square()).sum().item<double>();
}

torch::Tensor BinaryBasisLayer::scaleGradient(const torch::Tensor &weightGradient) const
{
    return torch::einsum("gin,gn->gi", {m_bases, toGroups(weightGradient)}) * m_mask;
}

torch::Tensor BinaryBasisLayer::groupSum(const torch::Tensor &x) const
{
    return toGroups(x).sum(1, true).expand({groupCount(), maxBases()}).contiguous();
}

void BinaryBasisLayer::shiftScales(const torch::Tensor &delta)
{
    m_scales = (m_scales - delta) * m_mask;
    flipNegativeScales();
}

void BinaryBasisLayer::prune(const std::vector<int64_t> &flatIndices)
{
    if (flatIndices.empty())
        return;
    const auto index = torch::tensor(flatIndices, torch::kInt64).to(m_mask.device());
    m_mask.view(-1).index_fill_(0, index, 0.0);
    m_scales.view(-1).index_fill_(0, index, 0.0);
}

void BinaryBasisLayer::flipNegativeScales()
{
    const auto sign = torch::where(m_scales < 0, -1.0f, 1.0f);
    m_scales = m_scales * sign;
    m_bases.mul_(sign.unsqueeze(2)); // in place: a copy of the bases is 24 bytes per weight
}

torch::Tensor BinaryBasisLayer::basesPerGroup() const
{
    return m_mask.sum(1).to(torch::kInt64);
}

int64_t BinaryBasisLayer::activeBases() const
{
    return int64_t(m_mask.sum().item<double>());
}

double BinaryBasisLayer::averageBits() const
{
    return double(activeBases()) / double(groupCount());
}

void BinaryBasisLayer::describe(jobs::LayerSnapshot &snap) const
{
    snap.bits = averageBits();
    snap.groupRows = int(rows());
    snap.groupColumns = int(columns());
    snap.groupMaxBases = maxBases();
    const auto scales = m_scales.to(torch::kFloat64).cpu().contiguous();
    snap.groupScales.assign(scales.data_ptr<double>(), scales.data_ptr<double>() + scales.numel());
    const auto perGroup = basesPerGroup();
    snap.gridLevels = snap.groupValueSet(int(perGroup.argmax().item<int64_t>()));
    snap.note = std::to_string(perGroup.eq(0).sum().item<int64_t>()) + "/" +
                std::to_string(groupCount()) + " groups zero";
}

std::vector<std::pair<std::string, torch::Tensor>> BinaryBasisLayer::state() const
{
    return {{"bases", m_bases.to(torch::kInt8)},
            {"scales", m_scales},
            {"mask", m_mask},
            {"grouping", torch::tensor({int64_t(m_grouping), m_pieces}, torch::kInt64)}};
}

} // namespace quantscope::quant
