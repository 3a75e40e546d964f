// SPDX-License-Identifier: MIT
// Compiled with -march=armv8.2-a+dotprod; called only where the CPU has the dot product.
#include "gemm_arm.h"

#include "kernels/row_blocks.h"

#include <arm_neon.h>

#include <cstring>

namespace quantscope::runtime {

namespace {

constexpr size_t kRows = kNeonDotRows;

// Adds step `Lane` of the four k-steps held in each row's activation vector.
template <int Lane>
inline void dotStep(int32x4_t (&acc)[kRows][4], const int8x16_t (&av)[kRows], const int8_t *w)
{
    int8x16_t wv[4];
    for (size_t q = 0; q < 4; ++q)
        wv[q] = vld1q_s8(w + q * 16);
    for (size_t r = 0; r < kRows; ++r)
        for (size_t q = 0; q < 4; ++q)
            acc[r][q] = vdotq_laneq_s32(acc[r][q], wv[q], av[r], Lane);
}

// kRows rows × one panel (16 channels, four int32x4). `shift` flips the activations' top bit,
// a − 128 as a signed byte; the caller's rowSums term undoes it.
void dotPanel(const uint8_t *a, size_t lda, const int8_t *w, const int32_t *rowSums, size_t steps,
           bool shift, int32_t *c, size_t ldc)
{
    const int8x16_t flip = vdupq_n_s8(shift ? int8_t(-128) : 0);
    int32x4_t acc[kRows][4];
    for (auto &row : acc)
        for (auto &v : row)
            v = vdupq_n_s32(0);
    size_t s = 0;
    for (; s + 4 <= steps; s += 4) {
        int8x16_t av[kRows];
        for (size_t r = 0; r < kRows; ++r)
            av[r] = veorq_s8(vld1q_s8(reinterpret_cast<const int8_t *>(a + r * lda + s * 4)), flip);
        dotStep<0>(acc, av, w + s * 64);
        dotStep<1>(acc, av, w + (s + 1) * 64);
        dotStep<2>(acc, av, w + (s + 2) * 64);
        dotStep<3>(acc, av, w + (s + 3) * 64);
    }
    for (; s < steps; ++s) {
        int8x16_t av[kRows];
        for (size_t r = 0; r < kRows; ++r) {
            int32_t four;
            std::memcpy(&four, a + r * lda + s * 4, 4);
            av[r] = veorq_s8(vreinterpretq_s8_s32(vdupq_n_s32(four)), flip);
        }
        dotStep<0>(acc, av, w + s * 64);
    }
    for (size_t r = 0; r < kRows; ++r)
        for (size_t q = 0; q < 4; ++q) {
            int32x4_t out = acc[r][q];
            if (shift)
                out = vaddq_s32(out, vshlq_n_s32(vld1q_s32(rowSums + q * 4), 7));
            vst1q_s32(c + r * ldc + q * 4, out);
        }
}

} // namespace

void gemmNeonDot(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                 PanelRange panels, int maxActivation, int32_t *c, size_t ldc)
{
    const size_t steps = b.kPadded / 4, panelBytes = steps * 64;
    const bool shift = maxActivation > 127;
    forRowBlocks<kRows>(a, p, lda, c, ldc, b.nPadded, panels.begin * 16, panels.end * 16,
                        [&](const uint8_t *ra, size_t rlda, int32_t *rc, size_t rldc) {
                            for (size_t q = panels.begin; q < panels.end; ++q)
                                dotPanel(ra, rlda, b.panels.data() + q * panelBytes,
                                      b.rowSums.data() + q * 16, steps, shift, rc + q * 16, rldc);
                        });
}

} // namespace quantscope::runtime
