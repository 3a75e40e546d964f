// SPDX-License-Identifier: MIT
// The x86-64 PackedGemm kernels. Each lives in its own file, compiled for its instruction set
// only; PackedGemm::available() calls one only where CpuFeatures says the CPU has it.
#pragma once

#include "kernels/packed_gemm.h"

#include <cstring>

namespace quantscope::runtime {

// Four activation bytes as the 32-bit lane a broadcast fills. (A plain 4-byte load in any
// instruction set, so sharing it between the files compiled for different ones is safe.)
inline int32_t fourBytes(const uint8_t *p)
{
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

// vpmaddubsw on 32-bit broadcasts of four activation bytes: byte products summed in int16 over
// as many k steps as cannot overflow (bounded by maxActivation and the weights' largest |code|),
// then widened to int32; activations split into nibbles when even one pair could overflow.
void gemmAvx2(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b, PanelRange panels,
              int maxActivation,
              int32_t *c, size_t ldc);

// The VNNI kernel's tile: rows × panels of 16 channels (one panel at a layer's odd end); also
// what the latency model pads a layer to.
constexpr size_t kVnniRows = 6, kVnniPanels = 2;

// vpdpbusd: 64 byte products into 16 int32 lanes per instruction, two panels × 6 rows a tile; the
// indirect form reads each row's runs where they lie and applies the epilogue in registers.
void gemmAvx512Vnni(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                    PanelRange panels, int maxActivation, int32_t *c, size_t ldc);
void gemmAvx512VnniIndirect(const TapRows &a, size_t p, const PackedWeights &b,
                            PanelRange panels, const GemmEpilogue &epilogue);

} // namespace quantscope::runtime
