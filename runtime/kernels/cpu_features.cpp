// SPDX-License-Identifier: MIT
#include "cpu_features.h"

#include <algorithm>
#include <chrono>

#if QUANTSCOPE_WITH_XNNPACK
#include <cpuinfo.h>
#else
#include <fstream>
#include <thread>
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif
#endif

namespace quantscope::runtime {

namespace {

#if QUANTSCOPE_WITH_XNNPACK
CpuFeatures detect()
{
    CpuFeatures f;
    if (!cpuinfo_initialize())
        return f; // nothing known: the portable kernels only
    if (const auto *package = cpuinfo_get_package(0))
        f.name = package->name;
    f.cores = cpuinfo_get_cores_count();
#if defined(__x86_64__)
    f.avx2 = cpuinfo_has_x86_avx2();
    f.fma = cpuinfo_has_x86_fma3();
    f.avx512f = cpuinfo_has_x86_avx512f();
    f.avx512vnni = cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() &&
                   cpuinfo_has_x86_avx512vnni();
    f.avx512vpopcntdq = cpuinfo_has_x86_avx512vpopcntdq();
#elif defined(__aarch64__)
    f.neon = cpuinfo_has_arm_neon();
    f.neonDot = cpuinfo_has_arm_neon_dot();
#endif
    return f;
}
#else
// A build without cpuinfo (it comes with XNNPACK): the compiler's run-time checks (which also
// ask the OS whether it saves the AVX-512 registers) and the kernel's hardware capabilities;
// logical CPUs stand in for cores.
CpuFeatures detect()
{
    CpuFeatures f;
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; f.name.empty() && std::getline(in, line);)
        if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos)
            f.name = line.substr(line.find(':') + 2);
    f.cores = std::max(1u, std::thread::hardware_concurrency()); // 0: not computable
#if defined(__x86_64__)
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512vnni = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vnni");
    f.avx512vpopcntdq = __builtin_cpu_supports("avx512vpopcntdq");
#elif defined(__aarch64__)
    const unsigned long caps = getauxval(AT_HWCAP);
    f.neon = caps & HWCAP_ASIMD;
    f.neonDot = caps & HWCAP_ASIMDDP;
#endif
    return f;
}
#endif

} // namespace

const CpuFeatures &CpuFeatures::detected()
{
    static const CpuFeatures features = detect();
    return features;
}

std::string CpuFeatures::list() const
{
    std::string out;
    const auto add = [&](bool present, const char *name) {
        if (present)
            out += (out.empty() ? "" : " ") + std::string(name);
    };
    add(avx2, "avx2");
    add(fma, "fma");
    add(avx512f, "avx512f");
    add(avx512vnni, "avx512vnni");
    add(avx512vpopcntdq, "avx512vpopcntdq");
    add(neon, "neon");
    add(neonDot, "neon-dot");
    return out;
}

double CpuFeatures::measureClockGHz()
{
    // 100 adds per pass, each needing the last: 100 cycles a pass whatever the core's width.
    // The best of a few 10 ms runs, so a run the scheduler interrupted does not count.
#if defined(__x86_64__)
#define QS_ADD10 "add $1, %0\n\t" "add $1, %0\n\t" "add $1, %0\n\t" "add $1, %0\n\t" \
                 "add $1, %0\n\t" "add $1, %0\n\t" "add $1, %0\n\t" "add $1, %0\n\t" \
                 "add $1, %0\n\t" "add $1, %0\n\t"
#elif defined(__aarch64__)
#define QS_ADD10 "add %0, %0, #1\n\t" "add %0, %0, #1\n\t" "add %0, %0, #1\n\t" \
                 "add %0, %0, #1\n\t" "add %0, %0, #1\n\t" "add %0, %0, #1\n\t" \
                 "add %0, %0, #1\n\t" "add %0, %0, #1\n\t" "add %0, %0, #1\n\t" \
                 "add %0, %0, #1\n\t"
#endif
#ifdef QS_ADD10
    constexpr long kPasses = 100000; // 10^7 cycles: 2.5 ms at 4 GHz, 12 ms at 0.8 GHz
    double best = 0;
    for (int run = 0; run < 5; ++run) {
        unsigned long x = 0;
        const auto start = std::chrono::steady_clock::now();
        for (long pass = 0; pass < kPasses; ++pass)
            asm volatile(QS_ADD10 QS_ADD10 QS_ADD10 QS_ADD10 QS_ADD10 QS_ADD10 QS_ADD10 QS_ADD10
                             QS_ADD10 QS_ADD10
                         : "+r"(x));
        const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
        best = std::max(best, double(kPasses) * 100 / seconds.count() / 1e9);
    }
    return best;
#undef QS_ADD10
#else
    return 0;
#endif
}

} // namespace quantscope::runtime
