// SPDX-License-Identifier: MIT
// The AArch64 depthwise row in integers, DepthwiseConv's choice where the centred weights split
// into integers plus one offset per channel (DepthwiseConv::integerParts), as uniform codes
// minus a zero point do: each tap multiplies the input's codes, widened to int16, by int16
// weights into int32 sums (smlal), eight products an instruction. The float build
// (depthwise_row.h) widens every code to a float first: a load, two widenings, a conversion
// and an fmla for four products (llvm-mca on a Cortex-A55: 0.8 MACs a cycle, here 1.6–2.0).
#pragma once

#include "kernels/depthwise_conv.h"

namespace quantscope::runtime {

// One output row as DepthwiseConv::IntegerRowKernel: weights [tap][channel] as int16, plus
// offsets[channel] where some weight zero point is no integer (null: none).
void depthwiseS16Row(const uint8_t *const *rows, const int16_t *weights, const float *offsets,
                     size_t channels, const ConvWindow &g, const ChannelEpilogue &e, float *y);

} // namespace quantscope::runtime
