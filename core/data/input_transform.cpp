// SPDX-License-Identifier: MIT
#include "input_transform.h"

#include "error.h"

namespace quantscope::data {

torch::Tensor InputTransform::apply(const torch::Tensor &images) const
{
    auto x = images.to(torch::kFloat32).div_(255.0f);
    const int64_t have = x.size(1);
    if (channels == 3 && have == 1) {
        x = x.expand({x.size(0), 3, x.size(2), x.size(3)}).contiguous();
    } else if (channels == 1 && have == 3) {
        // ITU-R BT.601 luma, as OpenCV's and PIL's grey conversions use.
        auto w = torch::tensor({0.299f, 0.587f, 0.114f}).view({1, 3, 1, 1});
        x = (x * w).sum(1, true);
    } else if (channels != 0 && channels != have) {
        throw Error("the model expects " + std::to_string(channels) + " input channels but the "
                    "images have " + std::to_string(have));
    }
    const int64_t c = x.size(1);
    auto perChannel = [c](const std::vector<float> &v, const char *what) {
        if (v.size() != 1 && static_cast<int64_t>(v.size()) != c)
            throw Error(std::string("--") + what + " needs 1 or " + std::to_string(c) + " values");
        return torch::tensor(v).view({1, static_cast<int64_t>(v.size()), 1, 1});
    };
    auto s = perChannel(std, "std");
    if ((s == 0).any().item<bool>())
        throw Error("--std values must be non-zero");
    return x.sub_(perChannel(mean, "mean")).div_(s);
}

} // namespace quantscope::data
