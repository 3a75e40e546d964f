// SPDX-License-Identifier: MIT
// WideDepthwise: the int8 baseline's depthwise convolution where XNNPACK has no kernel for its
// window. Debian's XNNPACK (the 2022-02 snapshot) computes a depthwise conv in one pass over at
// most 25 taps (5×5); a wider window, ConvNeXt's 7×7, fell back to a GEMM per channel, 27 times
// slower than the low-bit backend on a 16×16 map of 16 channels — a baseline no one would ship
// (today's XNNPACK has multipass depthwise kernels). Such a layer runs here on the same int8
// weights and activation codes through our depthwise kernel at 8 bits (LowBitLayer), between
// the decoding and coding the int8 backend does around every op it computes in float.
#pragma once

#include "format/qsm_model.h"
#include "format/shape_inference.h"
#include "lowbit_layer.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace quantscope::runtime {

class ThreadPool;

class WideDepthwise
{
public:
    // The most taps XNNPACK's depthwise kernels take in one pass.
    static constexpr uint32_t kXnnpackTaps = 25;
    // A depthwise conv (one input channel per group, one group per channel) of a wider window.
    static bool needed(const qsm::Layer &layer);

    // kernel: the symmetric int8 weights, kernelScale per channel, laid out channel by channel
    // (taps in a row); the input's codes x = inScale·(q − inZeroPoint); lo, hi: a clamp fused
    // into the output.
    WideDepthwise(const qsm::Layer &layer, const qsm::Shape &inShape, const qsm::Shape &outShape,
                  const std::vector<int8_t> &kernel, const std::vector<float> &kernelScale,
                  float inScale, int8_t inZeroPoint, float lo, float hi);
    WideDepthwise(const WideDepthwise &) = delete;
    WideDepthwise &operator=(const WideDepthwise &) = delete;

    // in: the int8 input decoded, channels last; out: the output in float, before its coding.
    void run(const float *in, float *out, ThreadPool &pool);

private:
    qsm::Layer m_layer; // 8-bit codes: the int8 weights + 128, zero point 128
    std::unique_ptr<LowBitLayer> m_kernel;
};

} // namespace quantscope::runtime
