// SPDX-License-Identifier: MIT
// Compiled with -mavx512f; called only where the CPU has it.
#include "depthwise_x86.h"

namespace quantscope::runtime {

template void depthwiseRow<Floats16>(const uint8_t *const *, const float *, size_t,
                                     const ConvWindow &, const ChannelEpilogue &, float *);

} // namespace quantscope::runtime
