// SPDX-License-Identifier: MIT
#include "cpu_features.h"

#if QUANTSCOPE_WITH_XNNPACK
#include <cpuinfo.h>
#else
#include <algorithm>
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
    add(avx512vnni, "avx512vnni");
    add(avx512vpopcntdq, "avx512vpopcntdq");
    add(neon, "neon");
    add(neonDot, "neon-dot");
    return out;
}

} // namespace quantscope::runtime
