// SPDX-License-Identifier: MIT
// The x86-64 BitPlaneGemm kernel: AVX-512 with VPOPCNTDQ (compiled for it alone, called only
// where CpuFeatures reports it beside VNNI, which brings F, BW, DQ and VL).
#pragma once

#include "kernels/bit_plane_gemm.h"

namespace quantscope::runtime {

// Rows of a tile (× 16 channels, two groups), also what the latency model pads a layer to. Five
// would spill: W2A2 keeps 4 × 2 groups × 3 powers of two = 24 accumulators in registers (4 rows
// measured 5-7 % faster than 3 on ResNet-18's W2A2 layers).
constexpr size_t kBitPlaneAvx512Rows = 4;

// Tiles of 4 rows × 16 channels: per 64 k, 2 weight planes of 8 lanes per group loaded, each
// row's plane words broadcast, and AND + vpopcntq + add per plane pair into an accumulator
// per power of two; the epilogue applied as the sums leave the registers.
void bitPlaneAvx512(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b,
                    PanelRange panels, const GemmEpilogue &epilogue);
// vptestmb: one mask instruction turns 64 codes into one plane word.
void planesAvx512(const uint8_t *codes, size_t n, int planes, uint64_t *out);

} // namespace quantscope::runtime
