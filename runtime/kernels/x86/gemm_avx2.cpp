// SPDX-License-Identifier: MIT
// Compiled with -mavx2; called only where the CPU has it.
#include "gemm_x86.h"

#include "kernels/row_blocks.h"

#include <immintrin.h>


namespace quantscope::runtime {

namespace {

constexpr size_t kRows = 4;

// One panel (16 output channels, two ymm of int32) for kRows rows. Split: activations taken as
// two nibbles, so no byte pair can overflow vpmaddubsw's int16 whatever the bit-widths.
template <bool Split>
void panel(const uint8_t *a, size_t lda, const int8_t *w, size_t steps, size_t chunk, int32_t *c,
           size_t ldc)
{
    const __m256i ones = _mm256_set1_epi16(1), nibble = _mm256_set1_epi8(0x0F);
    __m256i acc[kRows][2];
    for (auto &row : acc)
        row[0] = row[1] = _mm256_setzero_si256();
    for (size_t s0 = 0; s0 < steps; s0 += chunk) {
        __m256i lo[kRows][2], hi[kRows][2];
        for (size_t r = 0; r < kRows; ++r)
            lo[r][0] = lo[r][1] = hi[r][0] = hi[r][1] = _mm256_setzero_si256();
        const size_t s1 = s0 + chunk < steps ? s0 + chunk : steps;
        for (size_t s = s0; s < s1; ++s) {
            const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + s * 64));
            const __m256i w1 =
                _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + s * 64 + 32));
            for (size_t r = 0; r < kRows; ++r) {
                __m256i av = _mm256_set1_epi32(fourBytes(a + r * lda + s * 4));
                if (Split) {
                    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(av, 4), nibble);
                    av = _mm256_and_si256(av, nibble);
                    hi[r][0] = _mm256_add_epi16(hi[r][0], _mm256_maddubs_epi16(high, w0));
                    hi[r][1] = _mm256_add_epi16(hi[r][1], _mm256_maddubs_epi16(high, w1));
                }
                lo[r][0] = _mm256_add_epi16(lo[r][0], _mm256_maddubs_epi16(av, w0));
                lo[r][1] = _mm256_add_epi16(lo[r][1], _mm256_maddubs_epi16(av, w1));
            }
        }
        for (size_t r = 0; r < kRows; ++r)
            for (size_t j = 0; j < 2; ++j) {
                acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(lo[r][j], ones));
                if (Split)
                    acc[r][j] = _mm256_add_epi32(
                        acc[r][j], _mm256_slli_epi32(_mm256_madd_epi16(hi[r][j], ones), 4));
            }
    }
    for (size_t r = 0; r < kRows; ++r)
        for (size_t j = 0; j < 2; ++j)
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(c + r * ldc + j * 8), acc[r][j]);
}

} // namespace

void gemmAvx2(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b, PanelRange panels,
              int maxActivation, int32_t *c, size_t ldc)
{
    const size_t steps = b.kPadded / 4, panelBytes = steps * 64;
    // One vpmaddubsw lane sums two byte products; an int16 lane then takes `chunk` such sums.
    const long pairBound = 2L * maxActivation * b.maxAbsWeight;
    const bool split = pairBound > 32767;
    const long bound = split ? 2L * 15 * b.maxAbsWeight : pairBound;
    const size_t chunk = bound == 0 ? steps + 1 : size_t(32767 / bound);
    forRowBlocks<kRows>(a, p, lda, c, ldc, b.nPadded, panels.begin * 16, panels.end * 16,
                        [&](const uint8_t *ra, size_t rlda, int32_t *rc, size_t rldc) {
                            for (size_t q = panels.begin; q < panels.end; ++q) {
                                const int8_t *w = b.panels.data() + q * panelBytes;
                                if (split)
                                    panel<true>(ra, rlda, w, steps, chunk, rc + q * 16, rldc);
                                else
                                    panel<false>(ra, rlda, w, steps, chunk, rc + q * 16, rldc);
                            }
                        });
}

} // namespace quantscope::runtime
