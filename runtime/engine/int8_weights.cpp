// SPDX-License-Identifier: MIT
#include "int8_weights.h"

#include <algorithm>
#include <cmath>

namespace quantscope::runtime {

Int8Weights Int8Weights::of(const qsm::Layer &l, float inputScale)
{
    const size_t taps = size_t(l.kernelH) * l.kernelW, row = l.rowElements();
    Int8Weights q;
    q.kernel.resize(l.outChannels * row);
    q.scale.resize(l.outChannels);
    q.bias.assign(l.outChannels, 0);
    std::vector<float> weights(row);
    for (size_t c = 0; c < l.outChannels; ++c) {
        l.rowWeights(c, weights.data());
        float maxAbs = 0;
        for (float w : weights)
            maxAbs = std::max(maxAbs, std::fabs(w));
        q.scale[c] = maxAbs > 0 ? maxAbs / 127.0f : 1.0f;
        for (size_t ic = 0; ic < l.inChannels; ++ic)
            for (size_t t = 0; t < taps; ++t) {
                const float code = std::nearbyint(weights[ic * taps + t] / q.scale[c]);
                q.kernel[(c * taps + t) * l.inChannels + ic] =
                    int8_t(std::clamp(code, -127.0f, 127.0f));
            }
        if (!l.bias.empty())
            q.bias[c] = int32_t(std::nearbyint(l.bias[c] / (inputScale * q.scale[c])));
    }
    return q;
}

} // namespace quantscope::runtime
