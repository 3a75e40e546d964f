// SPDX-License-Identifier: MIT
// The AArch64 PackedGemm kernels. Each lives in its own file, compiled for its instruction set
// only; PackedGemm::available() calls one only where CpuFeatures says the CPU has it.
#pragma once

#include "kernels/packed_gemm.h"

namespace quantscope::runtime {

// The rows of a tile (× 16 channels, one panel), also what the latency model pads a layer to.
constexpr size_t kNeonRows = 2;
// Three, not four: with four rows' 16 accumulators GCC spilled five of them to the stack and
// read and wrote them back every step (found by the modelled cores; llvm-mca: 6.9 → 9.6 MACs a
// cycle on a Cortex-A55).
constexpr size_t kNeonDotRows = 3;

// Baseline NEON (every AArch64 core, Cortex-A53 included): bytes multiplied as bytes (smlal of
// int8 into int16), the int16 sums folded into int32 (sadalp) as rarely as the operands' ranges
// allow; kNeonRows × 8 channels a tile.
void gemmNeon(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b, PanelRange panels,
              int maxActivation,
              int32_t *c, size_t ldc);

// SDOT (Armv8.2 dot product, Cortex-A55/A76 and later): 16 byte products into four int32 lanes
// per instruction, kNeonDotRows rows × 16 channels a tile. SDOT is signed × signed, so 8-bit activation
// codes (above 127) are shifted into the signed range and the shift is added back through the
// weights' row sums.
void gemmNeonDot(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                 PanelRange panels, int maxActivation, int32_t *c, size_t ldc);

} // namespace quantscope::runtime
