// SPDX-License-Identifier: MIT
// Compiled with -mavx512f -mavx512bw -mavx512vnni; called only where the CPU has them.
#include "gemm_x86.h"

// GCC 12 warns that its own avx512fintrin.h reads an uninitialised __Y (the undefined source
// of unmasked intrinsics, GCC bug 105593); nothing of ours is uninitialised.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

namespace quantscope::runtime {

namespace {

// Rows per tile. Each row's run needs its own pointer in a general register through the inner
// loop; with 8 rows GCC 12 ran out of them and moved pointers through vector registers at
// every step (ResNet-18 W2A2 6.2 ms, against 5.4 ms with 6 rows; 7 rows was no faster than 6).
constexpr size_t kRows = kVnniRows;

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
// one run per row for a gathered A, one per kernel row or tap for an indirect one. The tile's
// sums go to store(acc) at once, acc[r][j] for row r of the block and panel j.
template <size_t NP, typename Store>
void tile(const uint8_t *const *rows, size_t taps, size_t tapSteps, const int8_t *w,
          size_t steps, Store store)
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
    store(acc);
}

// Every block of kRows rows, rowStart(r, t) giving run t of row r, each tile's sums handed to
// store(first row, rows < p in the block, first column, acc). Panels are the outer loop: a layer's weights
// (up to 2.4 MB in ResNet-18's last stage) are then read from memory once per call, each panel
// pair staying in cache across the row blocks, where rows-outer read them once per block. A
// last, short block repeats its last row: any readable run will do, its sums are not stored.
template <typename RowStart, typename Store>
void rowBlocks(RowStart rowStart, size_t p, size_t taps, const PackedWeights &b,
               PanelRange panels, Store store)
{
    const size_t steps = b.kPadded / 4, tapSteps = steps / taps, panelBytes = steps * 64;
    const size_t blocks = (p + kRows - 1) / kRows;
    const uint8_t **rows = new const uint8_t *[blocks * taps * kRows];
    for (size_t block = 0; block < blocks; ++block)
        for (size_t t = 0; t < taps; ++t)
            for (size_t r = 0; r < kRows; ++r) {
                const size_t row = block * kRows + r;
                rows[(block * taps + t) * kRows + r] = rowStart(row < p ? row : p - 1, t);
            }
    for (size_t panel = panels.begin; panel < panels.end; panel += 2) {
        const int8_t *w = b.panels.data() + panel * panelBytes;
        for (size_t block = 0; block < blocks; ++block) {
            const size_t first = block * kRows, rowsLeft = p - first;
            const auto blockStore = [&](const auto &acc) {
                store(first, rowsLeft < kRows ? rowsLeft : kRows, panel * 16, acc);
            };
            const uint8_t *const *blockRows = rows + block * taps * kRows;
            if (panel + 2 <= panels.end)
                tile<kVnniPanels>(blockRows, taps, tapSteps, w, steps, blockStore);
            else
                tile<1>(blockRows, taps, tapSteps, w, steps, blockStore);
        }
    }
    delete[] rows;
}

} // namespace

void gemmAvx512Vnni(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                    PanelRange panels, int, int32_t *c, size_t ldc)
{
    rowBlocks([&](size_t r, size_t) { return a + r * lda; }, p, 1, b, panels,
              [&](size_t first, size_t rows, size_t n, const auto &acc) {
                  for (size_t r = 0; r < rows; ++r)
                      for (size_t j = 0; j < sizeof(acc[0]) / sizeof(__m512i); ++j)
                          _mm512_storeu_si512(c + (first + r) * ldc + n + j * 16, acc[r][j]);
              });
}

namespace {

// ActivationCoder::code of 16 outputs, the same operations in the same order, so the same
// codes: a reader's quantizer applied as the outputs leave the registers.
class VectorCoder
{
public:
    explicit VectorCoder(const ActivationCoder &c)
        : m_integer(c.zero == ActivationCoder::roundToEven(c.zero)),
          m_inverse(_mm512_set1_ps(1.0f / c.scale)), m_scale(_mm512_set1_ps(c.scale)),
          m_zero(_mm512_set1_ps(c.zero)), m_after(_mm512_set1_ps(m_integer ? c.zero : 0.0f)),
          m_low(_mm512_set1_ps(c.lo - (m_integer ? c.zero : 0.0f))),
          m_high(_mm512_set1_ps(c.hi - (m_integer ? c.zero : 0.0f))), m_lo(_mm512_set1_ps(c.lo)),
          m_shift(_mm512_set1_ps(ActivationCoder::kRoundingShift))
    {
    }

    __m512i codes(__m512 x) const
    {
        __m512 v = m_integer ? _mm512_mul_ps(x, m_inverse)
                             : _mm512_add_ps(_mm512_div_ps(x, m_scale), m_zero);
        v = _mm512_min_ps(_mm512_max_ps(v, m_low), m_high); // NaN to the lower bound, as there
        const __m512 rounded = _mm512_sub_ps(_mm512_add_ps(v, m_shift), m_shift);
        return _mm512_cvttps_epi32(_mm512_sub_ps(_mm512_add_ps(rounded, m_after), m_lo));
    }

private:
    bool m_integer;
    __m512 m_inverse, m_scale, m_zero, m_after, m_low, m_high, m_lo, m_shift;
};

} // namespace

void gemmAvx512VnniIndirect(const TapRows &a, size_t p, const PackedWeights &b,
                            PanelRange panels, const GemmEpilogue &e)
{
    const __m512 lo = _mm512_set1_ps(e.lo), hi = _mm512_set1_ps(e.hi);
    const VectorCoder coder(e.coder);
    rowBlocks(
        [&](size_t r, size_t t) { return a.base + a.pixels[r * a.taps + t] * a.pixelStride; },
        p, a.taps, b, panels,
        [&](size_t first, size_t rows, size_t n0, const auto &acc) {
            // A panel's scale, bias and column-sum factor are loaded once for the tile's rows,
            // before its first store: a float store could alias them, so the compiler reloaded
            // all four per 16 outputs (40 % of the stem conv's kernel time, whose k is short).
            for (size_t j = 0; j < sizeof(acc[0]) / sizeof(__m512i); ++j) {
                const size_t n = n0 + j * 16;
                if (n >= b.n)
                    return;
                const __mmask16 m =
                    b.n - n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (b.n - n)) - 1);
                const __m512 perColumnSum = _mm512_maskz_loadu_ps(m, e.perColumnSum + n);
                const __m512 scale = _mm512_maskz_loadu_ps(m, e.scale + n);
                const __m512 bias = _mm512_maskz_loadu_ps(m, e.bias + n);
                // Over the whole tile, unrolled, so that acc stays in registers.
#pragma GCC unroll 8
                for (size_t r = 0; r < kRows; ++r) {
                    if (r == rows)
                        break;
                    const size_t row = first + r;
                    const __m512 padding =
                        _mm512_maskz_loadu_ps(m, e.padding + e.rowClass[row] * e.paddingRow + n);
                    const __m512 centred = _mm512_sub_ps(
                        _mm512_fmadd_ps(perColumnSum, _mm512_set1_ps(float(e.colSums[row])),
                                        _mm512_cvtepi32_ps(acc[r][j])),
                        padding);
                    const __m512 y = _mm512_min_ps(
                        _mm512_max_ps(_mm512_fmadd_ps(scale, centred, bias), lo), hi);
                    if (e.codes)
                        _mm512_mask_cvtepi32_storeu_epi8(e.codes + row * e.outRow + n, m,
                                                         coder.codes(y));
                    else
                        _mm512_mask_storeu_ps(e.out + row * e.outRow + n, m, y);
                }
            }
        });
}

} // namespace quantscope::runtime
