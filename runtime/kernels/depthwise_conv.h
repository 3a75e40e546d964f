// SPDX-License-Identifier: MIT
// DepthwiseConv: a quantized depthwise convolution (one input and one output channel per group),
// channels in the vector lanes. With a few taps per output (9 for 3×3) it is bound by memory and
// by the latency of its sums, not by multiplies. It codes the float input's rows as it goes, or
// copies their codes (u = q − qmin, a byte each, the padding u = 0), into a ring of the rows one
// output row reads, held in cache, and sums u·(code − z_w) there by FMAs, each tap's codes
// widened to floats as they are loaded, several output positions in flight; exact for integer
// weight zero points (products below 2^16, so sums below 2^24 up to 258 taps). A ring of floats
// was four times the bytes: MobileNetV2's 112×112×96 input's three rows (131 KB) missed L1 at
// every tap. On AArch64, where the weights split into integers plus an offset per channel
// (integerParts), an int16 build sums in integers instead (arm/depthwise_arm.h).
// The activation zero point comes in per position class, as in the GEMM layers (LowBitLayer):
//   Σ (q − z_a)(code − z_w) = Σ u·(code − z_w) − (z_a − qmin)·V(class),
// V the sum of (code − z_w) over the taps inside the image. As a GEMM per channel it was 20×
// slower; coding the whole input first, into q − z_a floats, with one sum in flight, it took
// twice the time on MobileNetV2.
#pragma once

#include "activation_coder.h"
#include "layer_maps.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quantscope::runtime {

struct ConvWindow // the kernel's geometry over an input of inH × inW, an output row outW wide
{
    int64_t kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
    int64_t inH, inW, outW;
};

// y = clamp(scale · (Σ − padding[class of the position][channel]) + bias, lo, hi), per channel.
struct ChannelEpilogue
{
    const float *scale, *bias;
    const uint32_t *positionClass; // per output position
    const float *padding;          // [class][channel]
    float lo, hi;
};

class DepthwiseConv
{
public:
    // One output row from the coded rows its kernel rows read (depthwise_row.h), built for one
    // instruction set.
    using RowKernel = void (*)(const uint8_t *const *rows, const float *weights, size_t channels,
                               const ConvWindow &g, const ChannelEpilogue &e, float *y);
    // The same on the weights as int16 plus an offset per channel (null: none), where they
    // are so (IntegerParts; AArch64's build).
    using IntegerRowKernel = void (*)(const uint8_t *const *rows, const int16_t *weights,
                                      const float *offsets, size_t channels,
                                      const ConvWindow &g, const ChannelEpilogue &e, float *y);

    struct RowKernelChoice // one of the two set
    {
        std::string name;
        RowKernel row = nullptr;
        IntegerRowKernel integerRow = nullptr;
    };
    // The builds this CPU runs, the baseline's first, the fastest last.
    static std::vector<RowKernelChoice> rowKernels();

    // Centred weights code − z_w as an integer k per weight plus one offset per channel (minus
    // the zero point's fraction, the same for all its taps): w = k + offset, to float rounding.
    struct IntegerParts
    {
        std::vector<int16_t> weights; // [tap][channel]
        std::vector<float> offsets;   // per channel; empty where every one is 0
    };
    // The parts of C rows of `taps` weights, where every row splits so and the integer sums
    // fit (|k| · 255 over the taps below 2^31, the offsets' code sums below 2^16); ALQ's sums
    // of bases do not split.
    static std::optional<IntegerParts> integerParts(const std::vector<float> &centredWeights,
                                                    size_t channels, size_t taps);

    // centredWeights: C rows of kernelH·kernelW values code − z_w (row-major taps). row: the
    // build to run (null: the fastest the weights allow; an integer build needs integerParts,
    // else std::invalid_argument).
    DepthwiseConv(const std::vector<float> &centredWeights, size_t channels,
                  const ConvWindow &window, const RowKernelChoice *row = nullptr);
    const std::string &kernelName() const { return m_row.name; }

    // Output rows [beginRow, endRow) from the H×W×C input (floats coded by `coder`, or its
    // codes already), written as H×W×C floats or their codes.
    void run(const LayerInput &in, const ActivationCoder &coder, size_t beginRow, size_t endRow,
             const ChannelEpilogue &epilogue, const LayerOutput &out) const;

private:
    size_t m_channels;
    ConvWindow m_window;
    RowKernelChoice m_row;
    std::vector<float> m_weights;  // [tap][channel]
    IntegerParts m_integers;       // the same, for an integer build
};

} // namespace quantscope::runtime
