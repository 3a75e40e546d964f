// SPDX-License-Identifier: MIT
// The AArch64 BitPlaneGemm kernel: baseline NEON, so every AArch64 core has it.
#pragma once

#include "kernels/bit_plane_gemm.h"

namespace quantscope::runtime {

// Rows of a tile (× one group of 8 channels), also what the latency model pads a layer to.
constexpr size_t kBitPlaneNeonRows = 3;

// Per 64 k and plane pair: AND + cnt (a byte's popcount) on the four q registers that hold a
// group's 8 channels; the pairs combined with their powers of two as bytes (at most
// 8·3·3 = 72) and widened into int16 sums by one uadalp, which are folded into int64 totals
// before they could overflow (every 448 chunks).
void bitPlaneNeon(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b, PanelRange panels,
                  const GemmEpilogue &epilogue);
// 64 codes' bit j at a time: cmtst against 1 << j, each byte weighted by its place in the word,
// and three pairwise adds fold 64 bytes into the word's 8.
void planesNeon(const uint8_t *codes, size_t n, int planes, uint64_t *out);

} // namespace quantscope::runtime
