// SPDX-License-Identifier: MIT
// LSQ's gradient scale (Esser et al., ICLR 2020) for a learnable step or range: 1/sqrt(N·Q_P),
// N the elements that share it (a channel's weights, or one image's activations), Q_P the
// largest level index. Shared by the QAT methods (DSQ, CPQ), whose grids count Q_P each their
// own way.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace quantscope::quant {

inline double lsqGradientScale(int64_t elements, int64_t largestLevel)
{
    return 1.0 / std::sqrt(double(std::max<int64_t>(elements, 1)) *
                           double(std::max<int64_t>(largestLevel, 1)));
}

} // namespace quantscope::quant
