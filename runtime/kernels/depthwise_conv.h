// SPDX-License-Identifier: MIT
// DepthwiseConv: a quantized depthwise convolution (one input and one output channel per group),
// channels in the vector lanes. With a few taps per output (9 for 3×3) it is bound by memory and
// conversions, not by multiplies, so it sums (q − z_a)·(code − z_w) in float by FMAs: the
// products of the simulation's quantized values, equal to the integer sums up to float
// rounding. As a GEMM per channel it was 20× slower.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quantscope::runtime {

struct ConvWindow // the kernel's geometry over an input of inH × inW, an output row outW wide
{
    int64_t kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
    int64_t inH, inW, outW;
};

struct ChannelEpilogue // y = clamp(scale · Σ + bias, lo, hi), per channel
{
    const float *scale, *bias;
    float lo, hi;
};

class DepthwiseConv
{
public:
    // centredWeights: C rows of kernelH·kernelW values code − z_w (row-major taps).
    DepthwiseConv(const std::vector<float> &centredWeights, size_t channels,
                  const ConvWindow &window);

    // Output positions [begin, end) from the H×W×C centred input q − z_a (taps outside the image
    // contribute nothing, as padding does in the simulation), written as H×W×C rows.
    void run(const float *centred, size_t begin, size_t end, const ChannelEpilogue &epilogue,
             float *out) const;

private:
    size_t m_channels;
    ConvWindow m_window;
    std::vector<float> m_weights; // [tap][channel]
};

} // namespace quantscope::runtime
