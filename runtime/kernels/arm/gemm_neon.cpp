// SPDX-License-Identifier: MIT
// Baseline AArch64 NEON; no flags needed, every AArch64 core has it.
#include "gemm_arm.h"

#include "kernels/row_blocks.h"

#include <arm_neon.h>

#include <cstring>

namespace quantscope::runtime {

namespace {

constexpr size_t kRows = 2;

// kRows rows × one panel. A step's 64 weight bytes widen into eight int16x8 (two channels × four
// k each); every product is exact in int16 and each sadalp adds a pair of them into an int32
// lane, so acc[r][j] holds, per channel, two partial sums that the end folds with addp.
void mulPanel(const uint8_t *a, size_t lda, const int8_t *w, size_t steps, int32_t *c, size_t ldc)
{
    int32x4_t acc[kRows][8];
    for (auto &row : acc)
        for (auto &v : row)
            v = vdupq_n_s32(0);
    for (size_t s = 0; s < steps; ++s) {
        int16x8_t wv[8];
        for (size_t q = 0; q < 4; ++q) {
            const int8x16_t raw = vld1q_s8(w + s * 64 + q * 16);
            wv[2 * q] = vmovl_s8(vget_low_s8(raw));
            wv[2 * q + 1] = vmovl_high_s8(raw);
        }
        for (size_t r = 0; r < kRows; ++r) {
            uint32_t four;
            std::memcpy(&four, a + r * lda + s * 4, 4);
            const int16x8_t av =
                vreinterpretq_s16_u16(vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(four))));
            for (size_t j = 0; j < 8; ++j)
                acc[r][j] = vpadalq_s16(acc[r][j], vmulq_s16(wv[j], av));
        }
    }
    for (size_t r = 0; r < kRows; ++r)
        for (size_t q = 0; q < 4; ++q)
            vst1q_s32(c + r * ldc + q * 4, vpaddq_s32(acc[r][2 * q], acc[r][2 * q + 1]));
}

} // namespace

void gemmNeon(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b, PanelRange panels,
              int, int32_t *c, size_t ldc)
{
    const size_t steps = b.kPadded / 4, panelBytes = steps * 64;
    forRowBlocks<kRows>(a, p, lda, c, ldc, b.nPadded, panels.begin * 16, panels.end * 16,
                        [&](const uint8_t *ra, size_t rlda, int32_t *rc, size_t rldc) {
                            for (size_t q = panels.begin; q < panels.end; ++q)
                                mulPanel(ra, rlda, b.panels.data() + q * panelBytes, steps,
                                      rc + q * 16, rldc);
                        });
}

} // namespace quantscope::runtime
