// SPDX-License-Identifier: MIT
// The x86-64 BitPlaneGemm kernel: AVX-512 with VPOPCNTDQ (compiled for it alone, called only
// where CpuFeatures reports it beside VNNI, which brings F, BW, DQ and VL).
#pragma once

#include "kernels/bit_plane_gemm.h"

namespace quantscope::runtime {

// Tiles of 4 rows × 16 channels: per 64 k, 2 weight planes of 8 lanes per group loaded, each
// row's plane words broadcast, and AND + vpopcntq + add per plane pair into an accumulator
// per power of two; the epilogue applied as the sums leave the registers.
void bitPlaneAvx512(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b,
                    PanelRange panels, const GemmEpilogue &epilogue);
// vptestmb: one mask instruction turns 64 codes into one plane word.
void planesAvx512(const uint8_t *codes, size_t n, int planes, uint64_t *out);

} // namespace quantscope::runtime
