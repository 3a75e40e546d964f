// SPDX-License-Identifier: MIT
#include "cpu_features.h"

#include <cpuinfo.h>

namespace quantscope::runtime {

const CpuFeatures &CpuFeatures::detected()
{
    static const CpuFeatures features = [] {
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
    }();
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
