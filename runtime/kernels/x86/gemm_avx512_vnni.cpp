// SPDX-License-Identifier: MIT
// Compiled with -mavx512f -mavx512bw -mavx512vnni; called only where the CPU has them.
#include "gemm_x86.h"

#include "kernels/row_blocks.h"

#include <immintrin.h>


namespace quantscope::runtime {

namespace {

constexpr size_t kRows = 8;

// kRows rows × NP panels: NP weight loads and kRows broadcasts feed kRows·NP vpdpbusd per step.
template <size_t NP>
void tile(const uint8_t *a, size_t lda, const int8_t *w, size_t steps, int32_t *c, size_t ldc)
{
    __m512i acc[kRows][NP];
    for (auto &row : acc)
        for (auto &v : row)
            v = _mm512_setzero_si512();
    for (size_t s = 0; s < steps; ++s) {
        __m512i wv[NP];
        for (size_t j = 0; j < NP; ++j)
            wv[j] = _mm512_loadu_si512(w + (j * steps + s) * 64);
        for (size_t r = 0; r < kRows; ++r) {
            const __m512i av = _mm512_set1_epi32(fourBytes(a + r * lda + s * 4));
            for (size_t j = 0; j < NP; ++j)
                acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], av, wv[j]);
        }
    }
    for (size_t r = 0; r < kRows; ++r)
        for (size_t j = 0; j < NP; ++j)
            _mm512_storeu_si512(c + r * ldc + j * 16, acc[r][j]);
}

} // namespace

void gemmAvx512Vnni(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                    PanelRange panels, int, int32_t *c, size_t ldc)
{
    const size_t steps = b.kPadded / 4, panelBytes = steps * 64;
    forRowBlocks<kRows>(a, p, lda, c, ldc, b.nPadded, panels.begin * 16, panels.end * 16,
                        [&](const uint8_t *ra, size_t rlda, int32_t *rc, size_t rldc) {
                            size_t panel = panels.begin;
                            for (; panel + 2 <= panels.end; panel += 2)
                                tile<2>(ra, rlda, b.panels.data() + panel * panelBytes, steps,
                                        rc + panel * 16, rldc);
                            if (panel < panels.end)
                                tile<1>(ra, rlda, b.panels.data() + panel * panelBytes, steps,
                                        rc + panel * 16, rldc);
                        });
}

} // namespace quantscope::runtime
