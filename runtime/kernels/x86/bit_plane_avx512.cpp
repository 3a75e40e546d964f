// SPDX-License-Identifier: MIT
// Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vpopcntdq -mfma; called only
// where the CPU has them.
#include "bit_plane_x86.h"

// GCC 12 warns inside its own avx512fintrin.h (GCC bug 105593); nothing of ours is involved.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

// No library templates here (std::min and the like): an instantiation built for AVX-512 could be
// the one the linker keeps for every caller (see row_blocks.h).
namespace quantscope::runtime {

namespace {

constexpr size_t kRows = kBitPlaneAvx512Rows;
constexpr size_t kLanes = BitPlaneWeights::kLanes;

// kRows rows × NG groups of 8 channels. Accumulators per power of two 2^(i+j) (W2A2: 1, 2, 4),
// summed with their shifts once at the end. rows[t·kRows + r]: row r's run t.
template <int WB, int AB, int NG, typename Store>
void tile(const uint64_t *const *rows, size_t runs, size_t runChunks, const uint64_t *w,
          size_t groupWords, Store store)
{
    constexpr int kClasses = WB + AB - 1;
    __m512i acc[kRows][NG][kClasses];
    for (auto &row : acc)
        for (auto &group : row)
            for (auto &x : group)
                x = _mm512_setzero_si512();
    for (size_t t = 0; t < runs; ++t) {
        const uint64_t *const *a = rows + t * kRows;
        const uint64_t *wt = w + t * runChunks * WB * kLanes;
        for (size_t s = 0; s < runChunks; ++s) {
            __m512i wv[NG][WB];
            for (int g = 0; g < NG; ++g)
                for (int i = 0; i < WB; ++i)
                    wv[g][i] = _mm512_loadu_si512(wt + g * groupWords + (s * WB + i) * kLanes);
            for (size_t r = 0; r < kRows; ++r)
                for (int j = 0; j < AB; ++j) {
                    const __m512i av = _mm512_set1_epi64(int64_t(a[r][s * AB + j]));
                    for (int g = 0; g < NG; ++g)
                        for (int i = 0; i < WB; ++i)
                            acc[r][g][i + j] = _mm512_add_epi64(
                                acc[r][g][i + j],
                                _mm512_popcnt_epi64(_mm512_and_si512(av, wv[g][i])));
                }
        }
    }
    for (size_t r = 0; r < kRows; ++r)
        for (int g = 0; g < NG; ++g) {
            __m512i sum = acc[r][g][0];
            for (int c = 1; c < kClasses; ++c)
                sum = _mm512_add_epi64(sum, _mm512_slli_epi64(acc[r][g][c], unsigned(c)));
            store(r, g, sum);
        }
}

template <int WB, int AB>
struct Blocks
{
    static void run(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b, PanelRange panels,
                    const GemmEpilogue &e)
    {
        const size_t groupWords = b.groupWords();
        const PanelRange groups = b.groupsOf(panels);
        const size_t rowBlocks = (p + kRows - 1) / kRows;
        const uint64_t **rows = a.blockRuns(p, kRows);
        const __m256 lo = _mm256_set1_ps(e.lo), hi = _mm256_set1_ps(e.hi);
        for (size_t group = groups.begin; group < groups.end; group += 2) {
            const uint64_t *w = b.planes.data() + group * groupWords;
            for (size_t block = 0; block < rowBlocks; ++block) {
                const auto store = [&](size_t r, int g, __m512i sum) {
                    const size_t row = block * kRows + r, n = (group + size_t(g)) * kLanes;
                    if (row >= p || n >= b.n)
                        return;
                    const __mmask8 m = b.n - n >= kLanes ? __mmask8(0xFF)
                                                         : __mmask8((1u << (b.n - n)) - 1);
                    const float colSum = float(e.colSums[row]);
                    // Σ u·s = Σ u·c − offset·Σu, exact in int64 and in float at these sizes.
                    const int64_t shift = int64_t(b.offset) * e.colSums[row];
                    const __m256 sums =
                        _mm512_cvtepi64_ps(_mm512_sub_epi64(sum, _mm512_set1_epi64(shift)));
                    const __m256 padding =
                        _mm256_maskz_loadu_ps(m, e.padding + e.rowClass[row] * e.paddingRow + n);
                    const __m256 centred = _mm256_sub_ps(
                        _mm256_fmadd_ps(_mm256_maskz_loadu_ps(m, e.perColumnSum + n),
                                        _mm256_set1_ps(colSum), sums),
                        padding);
                    const __m256 y = _mm256_fmadd_ps(_mm256_maskz_loadu_ps(m, e.scale + n), centred,
                                                     _mm256_maskz_loadu_ps(m, e.bias + n));
                    _mm256_mask_storeu_ps(e.out + row * e.outRow + n, m,
                                          _mm256_min_ps(_mm256_max_ps(y, lo), hi));
                };
                const uint64_t *const *blockRows = rows + block * a.runs * kRows;
                if (group + 2 <= groups.end)
                    tile<WB, AB, 2>(blockRows, a.runs, a.runChunks, w, groupWords, store);
                else
                    tile<WB, AB, 1>(blockRows, a.runs, a.runChunks, w, groupWords, store);
            }
        }
        delete[] rows;
    }
};

} // namespace

void bitPlaneAvx512(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b,
                    PanelRange panels, const GemmEpilogue &epilogue)
{
    runAtWidths<Blocks>(a, p, b, panels, epilogue);
}

void planesAvx512(const uint8_t *codes, size_t n, int planes, uint64_t *out)
{
    for (size_t w = 0; w < n / BitPlaneWeights::kChunk; ++w) {
        const __m512i v = _mm512_loadu_si512(codes + w * BitPlaneWeights::kChunk);
        for (int j = 0; j < planes; ++j)
            out[w * size_t(planes) + size_t(j)] =
                _mm512_test_epi8_mask(v, _mm512_set1_epi8(char(1 << j)));
    }
}

} // namespace quantscope::runtime
