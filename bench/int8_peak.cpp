// SPDX-License-Identifier: MIT
#include "int8_peak.h"

#include "kernels/cpu_features.h"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace quantscope::bench {

namespace {

#if defined(__x86_64__)
// Sixteen independent accumulators hide vpdpbusd's latency at two per cycle (more spill out of
// the 32 registers); the empty asm keeps the compiler from folding the loop. Each iteration is
// 16 × 64 multiply-accumulates.
constexpr int kChains = 16;

__attribute__((target("avx512f,avx512bw,avx512vnni"), noinline)) int vnniLoop(long iterations)
{
    __m512i acc[kChains];
    for (auto &x : acc)
        x = _mm512_setzero_si512();
    __m512i a = _mm512_set1_epi8(3);
    const __m512i b = _mm512_set1_epi8(-2);
    for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
        for (int k = 0; k < kChains; ++k)
            acc[k] = _mm512_dpbusd_epi32(acc[k], a, b);
        __asm__ volatile("" : "+v"(a));
    }
    __m512i sum = acc[0];
    for (int k = 1; k < kChains; ++k)
        sum = _mm512_add_epi32(sum, acc[k]);
    int lanes[16];
    _mm512_storeu_si512(lanes, sum);
    return lanes[0];
}
#endif

} // namespace

double int8PeakGmacPerSecond()
{
#if defined(__x86_64__)
    if (!runtime::CpuFeatures::detected().avx512vnni)
        return 0;
    vnniLoop(1000000); // to full clock
    constexpr long kIterations = 20000000;
    const auto started = std::chrono::steady_clock::now();
    volatile int sink = vnniLoop(kIterations);
    (void)sink;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return double(kChains) * 64 * kIterations / seconds / 1e9;
#else
    return 0;
#endif
}

} // namespace quantscope::bench
