// SPDX-License-Identifier: MIT
#include "quant_grid.h"

namespace quantscope::quant {

torch::Tensor QuantGrid::fakeQuantize(const torch::Tensor &x) const
{
    if (binary) {
        // sign() with the STE: forward ±scale, gradient passes unchanged.
        std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
        shape[0] = scale.numel();
        const auto hard = torch::where(x >= 0, 1.0f, -1.0f) * scale.view(shape);
        return x + (hard - x).detach();
    }
    if (zeroPoint.is_floating_point()) {
        const auto s = scale.item<double>(), z = zeroPoint.item<double>();
        const auto q = (x / s + z).round().clamp(double(qmin), double(qmax));
        const auto inside = (x >= (double(qmin) - z) * s) & (x <= (double(qmax) - z) * s);
        return torch::where(inside, x, x.detach()) + ((q - z) * s - x).detach();
    }
    if (perChannel)
        return torch::fake_quantize_per_channel_affine(x, scale, zeroPoint.to(torch::kInt32), 0,
                                                       qmin, qmax);
    return torch::fake_quantize_per_tensor_affine(x, scale.item<double>(),
                                                  zeroPoint.item<int64_t>(), qmin, qmax);
}

std::vector<double> QuantGrid::levels(int64_t channel) const
{
    const double s = scale[perChannel ? channel : 0].item<double>();
    if (binary)
        return {-s, s};
    const double z = zeroPoint[perChannel ? channel : 0].item<double>();
    std::vector<double> out;
    for (int64_t q = qmin; q <= qmax; ++q)
        out.push_back(s * double(q - z));
    return out;
}

int64_t QuantGrid::widestChannel() const
{
    return perChannel ? scale.argmax().item<int64_t>() : 0;
}

GridGeometry QuantGrid::geometry() const
{
    const auto s = scale.to(torch::kFloat32).flatten();
    if (binary) // levels ±s: the lower one, two scales apart
        return {-s, 2 * s, 2};
    const auto z = zeroPoint.to(torch::kFloat32).flatten();
    return {s * (double(qmin) - z), s, qmax - qmin + 1};
}

} // namespace quantscope::quant
