// SPDX-License-Identifier: MIT
// Compiled with -mavx512f -mavx512bw -mavx512vnni; called only where the CPU has them.
#include "gemm_x86.h"

#include <immintrin.h>

namespace quantscope::runtime {

namespace {

constexpr size_t kRows = 8;

// acc += Σ of four byte products per lane. Written as one instruction rather than
// _mm512_dpbusd_epi32 because GCC 12 gives that intrinsic's accumulator only zmm0–15: with the
// tile's 16 accumulators it copied each of them in and out at every step and spilled two to the
// stack, which held the tile to 70 % of the core's vpdpbusd peak (365 against 515 GMAC/s on
// 8 × 32 outputs, K = 576, data in L1). "v" lets the accumulator stay in any of zmm0–31.
inline __m512i dpbusd(__m512i acc, __m512i activations, __m512i weights)
{
    asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(activations), "v"(weights));
    return acc;
}

// kRows rows × NP panels: NP weight loads and kRows broadcasts feed kRows·NP vpdpbusd per step.
// A row's k values come in `taps` runs of tapSteps steps, run t of row r at rows[t·kRows + r]:
// one run per row for a gathered A, one per kernel tap for an indirect one.
template <size_t NP>
void tile(const uint8_t *const *rows, size_t taps, size_t tapSteps, const int8_t *w,
          size_t steps, int32_t *c, size_t ldc)
{
    __m512i acc[kRows][NP];
    for (auto &row : acc)
        for (auto &v : row)
            v = _mm512_setzero_si512();
    for (size_t t = 0; t < taps; ++t) {
        const uint8_t *const *a = rows + t * kRows;
        const int8_t *wt = w + t * tapSteps * 64;
        for (size_t s = 0; s < tapSteps; ++s) {
            __m512i wv[NP];
            for (size_t j = 0; j < NP; ++j)
                wv[j] = _mm512_loadu_si512(wt + (j * steps + s) * 64);
            for (size_t r = 0; r < kRows; ++r) {
                const __m512i av = _mm512_set1_epi32(fourBytes(a[r] + s * 4));
                for (size_t j = 0; j < NP; ++j)
                    acc[r][j] = dpbusd(acc[r][j], av, wv[j]);
            }
        }
    }
    for (size_t r = 0; r < kRows; ++r)
        for (size_t j = 0; j < NP; ++j)
            _mm512_storeu_si512(c + r * ldc + j * 16, acc[r][j]);
}

// Every block of kRows rows, rowStart(r, t) giving run t of row r. Panels are the outer loop:
// a layer's weights (up to 2.4 MB in ResNet-18's last stage) are then read from memory once per
// call, each panel pair staying in cache across the row blocks, where rows-outer read them once
// per block. A last, short block repeats its last row (any readable run will do) into a scratch
// C, of which only its own rows and the columns of `panels` are copied back: another thread may
// own the rest.
template <typename RowStart>
void rowBlocks(RowStart rowStart, size_t p, size_t taps, const PackedWeights &b,
               PanelRange panels, int32_t *c, size_t ldc)
{
    const size_t steps = b.kPadded / 4, tapSteps = steps / taps, panelBytes = steps * 64;
    const size_t blocks = (p + kRows - 1) / kRows, full = p / kRows, last = p - full * kRows;
    const uint8_t **rows = new const uint8_t *[blocks * taps * kRows];
    for (size_t block = 0; block < blocks; ++block)
        for (size_t t = 0; t < taps; ++t)
            for (size_t r = 0; r < kRows; ++r)
                rows[(block * taps + t) * kRows + r] =
                    rowStart(block * kRows + (block < full || r < last ? r : last - 1), t);
    int32_t *scratch = last ? new int32_t[kRows * b.nPadded] : nullptr;
    for (size_t panel = panels.begin; panel < panels.end; panel += 2) {
        const int8_t *w = b.panels.data() + panel * panelBytes;
        for (size_t block = 0; block < blocks; ++block) {
            int32_t *out = block < full ? c + block * kRows * ldc : scratch;
            const size_t outRow = block < full ? ldc : b.nPadded;
            const uint8_t *const *blockRows = rows + block * taps * kRows;
            if (panel + 2 <= panels.end)
                tile<2>(blockRows, taps, tapSteps, w, steps, out + panel * 16, outRow);
            else
                tile<1>(blockRows, taps, tapSteps, w, steps, out + panel * 16, outRow);
        }
    }
    for (size_t r = 0; r < last; ++r)
        std::memcpy(c + (full * kRows + r) * ldc + panels.begin * 16,
                    scratch + r * b.nPadded + panels.begin * 16,
                    (panels.end - panels.begin) * 16 * sizeof(int32_t));
    delete[] scratch;
    delete[] rows;
}

} // namespace

void gemmAvx512Vnni(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                    PanelRange panels, int, int32_t *c, size_t ldc)
{
    rowBlocks([&](size_t r, size_t) { return a + r * lda; }, p, 1, b, panels, c, ldc);
}

void gemmAvx512VnniIndirect(const TapRows &a, size_t p, const PackedWeights &b,
                            PanelRange panels, int32_t *c, size_t ldc)
{
    rowBlocks([&](size_t r, size_t t) { return a.base + a.pixels[r * a.taps + t] * a.pixelStride; },
              p, a.taps, b, panels, c, ldc);
}

} // namespace quantscope::runtime
