// SPDX-License-Identifier: MIT
// Compiled with -mavx2 and -mfma; called only where the CPU has both.
#include "depthwise_x86.h"

namespace quantscope::runtime {

template void depthwiseRow<Floats8>(const uint8_t *const *, const float *, size_t,
                                    const ConvWindow &, const ChannelEpilogue &, float *);

} // namespace quantscope::runtime
