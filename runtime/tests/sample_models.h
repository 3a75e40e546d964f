// SPDX-License-Identifier: MIT
// Small models for the runtime's tests: every op kind, odd channel counts (not multiples of any
// vector width), stride 2, depthwise and grouped convs, 1×1, dilation, fractional zero points.
#pragma once

#include "format/model_builder.h"

#include <random>
#include <vector>

namespace quantscope::runtime::test {

inline qsm::Model everyOpModel(uint32_t wbits, uint32_t abits, uint32_t seed = 7)
{
    qsm::ModelBuilder b(3, 13, 11, seed);
    const qsm::LayerBits first{8, abits, 0.4f, true};  // a normalised input: signed codes
    const qsm::LayerBits body{wbits, abits, 0.0f, false};
    const qsm::LayerBits shifted{wbits, abits, 0.37f, false};
    auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 17, 3, 1, 1, 1, first));
    auto y = b.relu(b.conv(x, 17, 3, 2, 1, 17, body));            // depthwise, stride 2
    y = b.conv(y, 24, 1, 1, 0, 1, shifted);                        // 1×1
    auto z = b.conv(x, 24, 3, 2, 1, 1, body);                      // the residual's shortcut
    auto s = b.relu(b.add(y, z));
    s = b.clamp(b.conv(s, 20, 3, 1, 2, 4, body, 2), 0.0f, 6.0f);  // grouped, dilated, relu6
    s = b.maxPool(s, 3, 2, 1);
    s = b.flatten(b.globalAvgPool(s));
    return b.build(b.linear(s, 10, qsm::LayerBits{8, abits, 0.0f, false}));
}

// What the low-bit backend keeps channels last meets what it must not: a layer with a float input
// in the middle, average pooling with padding, and a classifier on a flattened 3×3 map.
inline qsm::Model layoutEdgesModel(uint32_t wbits, uint32_t abits, uint32_t seed = 11)
{
    qsm::ModelBuilder b(3, 12, 10, seed);
    const qsm::LayerBits body{wbits, abits, 0.2f, false};
    auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 9, 3, 1, 1, 1, qsm::LayerBits{8, abits, 0.4f, true}));
    x = b.conv(x, 7, 3, 2, 1, 1, qsm::LayerBits{wbits, 0, 0.0f, false}); // float input
    x = b.avgPool(b.relu(b.conv(x, 13, 1, 1, 0, 1, body)), 3, 2, 1);
    return b.build(b.linear(b.flatten(x), 6, body));
}

inline std::vector<float> randomInput(const qsm::Model &m, uint32_t seed)
{
    std::mt19937 random(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(size_t(m.channels) * m.height * m.width);
    for (auto &v : x)
        v = normal(random);
    return x;
}

} // namespace quantscope::runtime::test
