// SPDX-License-Identifier: MIT
// Int8Weights: a layer's weights as the int8 baseline ships them — symmetric int8 per output
// channel (scale = max |w| / 127, XNNPACK's QC8), laid out [output channel][ky][kx][input
// channel of the group] as XNNPACK's NHWC convolution reads them, and the bias in int32 units
// of input scale × weight scale. A depthwise conv's layout is the same: channel by channel,
// taps in a row.
#pragma once

#include "format/qsm_model.h"

#include <cstdint>
#include <vector>

namespace quantscope::runtime {

struct Int8Weights
{
    // The layer's weights in float (whatever its encoding), coded for an input of inputScale.
    static Int8Weights of(const qsm::Layer &layer, float inputScale);

    std::vector<int8_t> kernel;
    std::vector<float> scale;  // per output channel
    std::vector<int32_t> bias; // per output channel, 0 without a bias
};

} // namespace quantscope::runtime
