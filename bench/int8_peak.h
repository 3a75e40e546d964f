// SPDX-License-Identifier: MIT
// The int8 multiply-accumulate peak of one core, measured: a loop of independent AVX-512 VNNI
// vpdpbusd (64 byte products each), the instruction our x86 kernel is built on, so a kernel's
// GMAC/s can be read as a share of what the core can do at all. 0 where the CPU lacks it.
#pragma once

namespace quantscope::bench {

double int8PeakGmacPerSecond();

} // namespace quantscope::bench
