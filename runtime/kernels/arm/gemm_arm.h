// SPDX-License-Identifier: MIT
// The AArch64 PackedGemm kernels. Each lives in its own file, compiled for its instruction set
// only; PackedGemm::available() calls one only where CpuFeatures says the CPU has it.
#pragma once

#include "kernels/packed_gemm.h"

namespace quantscope::runtime {

// Baseline NEON (every AArch64 core, Cortex-A53 included): byte products widened to int16 —
// exact, since |255 · −128| < 2^15 — and pairwise added into int32 (smull-free vmul + sadalp).
void gemmNeon(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b, PanelRange panels,
              int maxActivation,
              int32_t *c, size_t ldc);

// SDOT (Armv8.2 dot product, Cortex-A55/A76 and later): 16 byte products into four int32 lanes
// per instruction, 4 rows × 16 channels a tile. SDOT is signed × signed, so 8-bit activation
// codes (above 127) are shifted into the signed range and the shift is added back through the
// weights' row sums.
void gemmNeonDot(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                 PanelRange panels, int maxActivation, int32_t *c, size_t ldc);

} // namespace quantscope::runtime
