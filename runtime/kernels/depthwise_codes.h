// SPDX-License-Identifier: MIT
// DepthwiseCodes: a depthwise convolution (one input and one output channel per group) on codes,
// channels in the vector lanes. As a GEMM per group it would be C products of one channel each;
// here every tap is one pass over the H×W×C codes of a pixel, which the compiler vectorises.
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

class DepthwiseCodes
{
public:
    // signedCodes: C rows of kernelH·kernelW signed weight codes (row-major taps).
    DepthwiseCodes(const std::vector<int8_t> &signedCodes, size_t channels,
                   const ConvWindow &window);

    // For output positions [begin, end), from the H×W×C codes: acc[p][c] = Σ u·s and
    // sums[p][c] = Σ u, over the taps inside the image (rows of C int32, from begin).
    void run(const uint8_t *codes, size_t begin, size_t end, int32_t *acc, int32_t *sums) const;

private:
    size_t m_channels;
    ConvWindow m_window;
    std::vector<int32_t> m_weights; // [tap][channel], widened once so the loop only multiplies
};

} // namespace quantscope::runtime
