// SPDX-License-Identifier: MIT
// The x86-64 builds of DepthwiseConv's row loop (kernels/depthwise_row.h), each instantiated in
// its own file compiled for its instruction set only; DepthwiseConv calls one only where
// CpuFeatures says the CPU has it.
#pragma once

#include "kernels/depthwise_row.h"

namespace quantscope::runtime {

typedef float Floats8 __attribute__((vector_size(32)));  // one AVX2 register
typedef float Floats16 __attribute__((vector_size(64))); // one AVX-512 register

extern template void depthwiseRow<Floats8>(const uint8_t *const *, const float *, size_t,
                                           const ConvWindow &, const ChannelEpilogue &, float *);
extern template void depthwiseRow<Floats16>(const uint8_t *const *, const float *, size_t,
                                            const ConvWindow &, const ChannelEpilogue &,
                                            float *);

} // namespace quantscope::runtime
