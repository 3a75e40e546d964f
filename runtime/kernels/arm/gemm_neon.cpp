// SPDX-License-Identifier: MIT
// Baseline AArch64 NEON; no flags needed, every AArch64 core has it.
#include "gemm_arm.h"

#include "kernels/row_blocks.h"

#include <arm_neon.h>

#include <algorithm>
#include <cstring>

namespace quantscope::runtime {

namespace {

constexpr size_t kRows = kNeonRows;

// One row's four k values of a step, as signed bytes, in every 32-bit lane.
inline int8x16_t activations(const uint8_t *four, uint32_t flip)
{
    uint32_t bytes;
    std::memcpy(&bytes, four, 4);
    return vreinterpretq_s8_u32(vdupq_n_u32(bytes ^ flip));
}

// One step of one row into its four int16 sums: channels 0–1, 2–3 (w0) and 4–5, 6–7 (w1), each
// four k; the high halves by smlal2, so no register moves split the weights.
inline void multiplyAdd(int16x8_t (&sums)[4], int8x16_t w0, int8x16_t w1, int8x16_t av)
{
    sums[0] = vmlal_s8(sums[0], vget_low_s8(w0), vget_low_s8(av));
    sums[1] = vmlal_high_s8(sums[1], w0, av);
    sums[2] = vmlal_s8(sums[2], vget_low_s8(w1), vget_low_s8(av));
    sums[3] = vmlal_high_s8(sums[3], w1, av);
}

// kRows rows × half a panel (8 channels). Bytes are multiplied as bytes — smlal of int8 into
// int16, 8 products an instruction, as XNNPACK's mlal kernels do — and the int16 sums are folded
// into int32 (sadalp) only every `chunk` steps: as often as the operands' ranges require, so the
// fewer the bits, the rarer. Activations above 127 are shifted into the signed range (a − 128)
// and the shift is restored through the weights' row sums, as the dot-product kernel does.
// acc[r][j] holds, per channel, two partial sums (k0 + k1, k2 + k3) that the end folds with addp.
void mulPanel(const uint8_t *a, size_t lda, const int8_t *w, const int32_t *rowSums,
              size_t steps, size_t chunk, bool shift, int32_t *c, size_t ldc)
{
    const uint32_t flip = shift ? 0x80808080u : 0;
    int32x4_t acc[kRows][4];
    for (auto &row : acc)
        for (auto &v : row)
            v = vdupq_n_s32(0);
    for (size_t s = 0; s < steps; s += chunk) {
        const size_t end = std::min(steps, s + chunk);
        int16x8_t sums[kRows][4];
        for (auto &row : sums)
            for (auto &v : row)
                v = vdupq_n_s16(0);
        size_t t = s;
        // Two steps a pass, their loads first: an in-order core (A53, A55) then multiplies one
        // step while the next one's operands arrive.
        for (; t + 2 <= end; t += 2) {
            const int8x16_t w0 = vld1q_s8(w + t * 64), w1 = vld1q_s8(w + t * 64 + 16);
            const int8x16_t w2 = vld1q_s8(w + t * 64 + 64), w3 = vld1q_s8(w + t * 64 + 80);
            int8x16_t av[kRows], bv[kRows];
            for (size_t r = 0; r < kRows; ++r) {
                av[r] = activations(a + r * lda + t * 4, flip);
                bv[r] = activations(a + r * lda + t * 4 + 4, flip);
            }
            for (size_t r = 0; r < kRows; ++r) {
                multiplyAdd(sums[r], w0, w1, av[r]);
                multiplyAdd(sums[r], w2, w3, bv[r]);
            }
        }
        if (t < end) {
            const int8x16_t w0 = vld1q_s8(w + t * 64), w1 = vld1q_s8(w + t * 64 + 16);
            for (size_t r = 0; r < kRows; ++r)
                multiplyAdd(sums[r], w0, w1, activations(a + r * lda + t * 4, flip));
        }
        for (size_t r = 0; r < kRows; ++r)
            for (size_t j = 0; j < 4; ++j)
                acc[r][j] = vpadalq_s16(acc[r][j], sums[r][j]);
    }
    for (size_t r = 0; r < kRows; ++r)
        for (size_t g = 0; g < 2; ++g) { // channels 4g … 4g + 3
            int32x4_t out = vpaddq_s32(acc[r][2 * g], acc[r][2 * g + 1]);
            if (shift)
                out = vaddq_s32(out, vshlq_n_s32(vld1q_s32(rowSums + g * 4), 7));
            vst1q_s32(c + r * ldc + g * 4, out);
        }
}

} // namespace

void gemmNeon(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b, PanelRange panels,
              int maxActivation, int32_t *c, size_t ldc)
{
    const size_t steps = b.kPadded / 4, panelBytes = steps * 64;
    const bool shift = maxActivation > 127;
    // One int16 lane adds one product a step: `chunk` of them stay below 2^15.
    const int64_t largest = int64_t(shift ? 128 : maxActivation) * b.maxAbsWeight;
    const size_t chunk =
        largest == 0 ? std::max<size_t>(steps, 1) : std::max<int64_t>(1, 32767 / largest);
    forRowBlocks<kRows>(a, p, lda, c, ldc, b.nPadded, panels.begin * 16, panels.end * 16,
                        [&](const uint8_t *ra, size_t rlda, int32_t *rc, size_t rldc) {
                            for (size_t q = panels.begin; q < panels.end; ++q)
                                for (size_t h = 0; h < 2; ++h) // 8 of the panel's 16 channels
                                    mulPanel(ra, rlda, b.panels.data() + q * panelBytes + h * 32,
                                             b.rowSums.data() + q * 16 + h * 8, steps, chunk,
                                             shift, rc + q * 16 + h * 8, rldc);
                        });
}

} // namespace quantscope::runtime
