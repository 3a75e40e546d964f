// SPDX-License-Identifier: MIT
#include "technique_peaks.h"

#include "kernels/cpu_features.h"

#include <chrono>

#if defined(__x86_64__)
// GCC 12 warns inside its own avx512fintrin.h (GCC bug 105593); nothing of ours is involved.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace quantscope::bench {

namespace {

#if defined(__x86_64__)
#define QS_AVX512 __attribute__((target("avx512f,avx512bw,avx512vnni,avx512vpopcntdq"), noinline))

// Each loop returns a value built from all its accumulators (so nothing is folded away), and an
// empty asm per iteration marks the operands as changed, so no work is hoisted out of the loop.
// Every loop keeps enough independent accumulators to hide its instructions' latencies.

// vpdpbusd: 16 accumulators × 64 products per iteration.
QS_AVX512 long dotProductLoop(long iterations)
{
    __m512i acc[16];
    for (auto &x : acc)
        x = _mm512_setzero_si512();
    __m512i a = _mm512_set1_epi8(3);
    const __m512i b = _mm512_set1_epi8(-2);
    for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
        for (auto &x : acc)
            x = _mm512_dpbusd_epi32(x, a, b);
        asm volatile("" : "+v"(a));
    }
    __m512i sum = acc[0];
    for (int k = 1; k < 16; ++k)
        sum = _mm512_add_epi32(sum, acc[k]);
    return _mm512_reduce_add_epi32(sum);
}

// Bit-serial: a 512-bit plane of one operand's bit i along k, ANDed with the other's bit j,
// popcount = the 512 products of those bits; products of W·A bit pairs, each pair's count kept
// in an accumulator per weight 2^(i+j) and scaled once at the end. Rows × columns of outputs.
template <int WB, int AB, int R, int C>
QS_AVX512 long bitSerialLoop(long iterations)
{
    __m512i a[R][AB], w[C][WB], acc[R][C][WB + AB - 1];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < AB; ++j)
            a[r][j] = _mm512_set1_epi64(0x5a5a5a5a5a5a5a5aLL + r + j);
    for (int c = 0; c < C; ++c)
        for (int i = 0; i < WB; ++i)
            w[c][i] = _mm512_set1_epi64(0x3c3c3c3c3c3c3c3cLL + c + i);
    for (auto &row : acc)
        for (auto &column : row)
            for (auto &x : column)
                x = _mm512_setzero_si512();
    for (long n = 0; n < iterations; ++n) {
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
            for (int c = 0; c < C; ++c)
#pragma GCC unroll 8
                for (int i = 0; i < WB; ++i)
#pragma GCC unroll 8
                    for (int j = 0; j < AB; ++j)
                        acc[r][c][i + j] = _mm512_add_epi64(
                            acc[r][c][i + j],
                            _mm512_popcnt_epi64(_mm512_and_si512(a[r][j], w[c][i])));
#pragma GCC unroll 8
        for (auto &row : a)
#pragma GCC unroll 8
            for (auto &x : row)
                asm volatile("" : "+v"(x));
    }
    __m512i sum = _mm512_setzero_si512();
    for (auto &row : acc)
        for (auto &column : row)
            for (int s = 0; s < WB + AB - 1; ++s)
                sum = _mm512_add_epi64(sum, _mm512_slli_epi64(column[s], s));
    return _mm512_reduce_add_epi64(sum);
}

// Table lookup (T-MAC) at 1-bit weights and 8-bit activations: for four activations, the 16
// sums a nibble of four weight bits can select, as int16 split into low and high byte tables;
// vpshufb looks up 64 output channels' nibbles at once (64 × 4 products), and the two bytes
// are joined into int16 sums (exact: four 8-bit codes sum to at most 1 020).
QS_AVX512 long lookupLoop(long iterations)
{
    constexpr int kChains = 6;
    __m512i index[kChains], acc[kChains][2];
    const __m512i low = _mm512_set1_epi64(0x0706050403020100LL),
                  high = _mm512_set1_epi64(0x0101010100000000LL);
    for (int k = 0; k < kChains; ++k) {
        index[k] = _mm512_set1_epi8(char(k));
        acc[k][0] = acc[k][1] = _mm512_setzero_si512();
    }
    for (long n = 0; n < iterations; ++n) {
#pragma GCC unroll 8
        for (int k = 0; k < kChains; ++k) {
            const __m512i lo = _mm512_shuffle_epi8(low, index[k]);
            const __m512i hi = _mm512_shuffle_epi8(high, index[k]);
            acc[k][0] = _mm512_add_epi16(acc[k][0], _mm512_unpacklo_epi8(lo, hi));
            acc[k][1] = _mm512_add_epi16(acc[k][1], _mm512_unpackhi_epi8(lo, hi));
        }
#pragma GCC unroll 8
        for (auto &x : index)
            asm volatile("" : "+v"(x));
    }
    __m512i sum = _mm512_setzero_si512();
    for (auto &pair : acc)
        sum = _mm512_add_epi16(sum, _mm512_add_epi16(pair[0], pair[1]));
    return _mm512_reduce_add_epi32(_mm512_madd_epi16(sum, _mm512_set1_epi16(1)));
}

// GMAC/s of loop at macsPerIteration, after a warm-up run that brings the core to full clock.
double rate(long (*loop)(long), double macsPerIteration)
{
    loop(1000000);
    constexpr long kIterations = 10000000;
    const auto started = std::chrono::steady_clock::now();
    volatile long sink = loop(kIterations);
    (void)sink;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return macsPerIteration * kIterations / seconds / 1e9;
}
#endif

} // namespace

std::vector<TechniquePeak> techniquePeaks()
{
    std::vector<TechniquePeak> peaks;
#if defined(__x86_64__)
    const auto &cpu = runtime::CpuFeatures::detected();
    if (!cpu.avx512vnni || !cpu.avx512vpopcntdq)
        return peaks;
    peaks.push_back({"vpdpbusd", "W1-8 A1-8", rate(&dotProductLoop, 16 * 64)});
    peaks.push_back({"bit-serial AND + vpopcntq", "W1A1", rate(&bitSerialLoop<1, 1, 4, 4>, 16 * 512)});
    peaks.push_back({"bit-serial AND + vpopcntq", "W2A2", rate(&bitSerialLoop<2, 2, 2, 2>, 4 * 512)});
    peaks.push_back({"bit-serial AND + vpopcntq", "W1A8", rate(&bitSerialLoop<1, 8, 1, 2>, 2 * 512)});
    peaks.push_back({"table lookup (T-MAC) vpshufb", "W1A8", rate(&lookupLoop, 6 * 64 * 4)});
#endif
    return peaks;
}

} // namespace quantscope::bench
