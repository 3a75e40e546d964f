// SPDX-License-Identifier: MIT
#include "modelled_core.h"

namespace quantscope::deploy {

namespace {
// llvm-14's AArch64 processor table schedules the A72 and the A76 both with its Cortex-A57
// model (there is no A76 model before LLVM 15): the two differ here in clock, bandwidth and
// the dot product only.
const char *kA57Model = "llvm-14 schedules it with its Cortex-A57 model";
const char *kAssumed = "assumed (no measurement at hand): ";
} // namespace

const std::vector<ModelledCore> &ModelledCore::arm()
{
    static const std::vector<ModelledCore> cores{
        {"cortex-a53", "Cortex-A53", "aarch64", "cortex-a53", "Raspberry Pi 3 Model B", 1.2, 2.0,
         std::string(kAssumed) + "32-bit LPDDR2-900, about half its 3.6 GB/s peak for one core",
         false, "xnn_qs8_igemm_minmax_fp32_ukernel_4x16__aarch64_neon_mlal_lane_cortex_a53", 4,
         16, 1, "", ""},
        {"cortex-a55", "Cortex-A55", "aarch64", "cortex-a55", "Rockchip RK3566 boards, phones' "
         "little cores", 1.8, 4.0,
         std::string(kAssumed) + "32-bit LPDDR4, a quarter of its peak for one in-order core",
         true, "xnn_qs8_igemm_minmax_fp32_ukernel_4x16c4__aarch64_neondot_cortex_a55", 4, 16, 4,
         "", ""},
        {"cortex-a72", "Cortex-A72", "aarch64", "cortex-a72", "Raspberry Pi 4 Model B", 1.5, 5.5,
         "STREAM copy on a Pi 4, 5.5 GB/s (sci-pi.org.uk/bench/stream.html)", false,
         "xnn_qs8_igemm_minmax_fp32_ukernel_2x8c8__aarch64_neon_mlal_prfm", 2, 8, 8, kA57Model,
         ""},
        {"cortex-a76", "Cortex-A76", "aarch64", "cortex-a76", "Raspberry Pi 5, phones' big cores",
         2.4, 10.0, std::string(kAssumed) + "32-bit LPDDR4X-4267 on a Pi 5, about 60 % of peak",
         true, "xnn_qs8_igemm_minmax_fp32_ukernel_4x16c4__aarch64_neondot_ld64", 4, 16, 4,
         kA57Model, ""},
    };
    return cores;
}

const ModelledCore *ModelledCore::find(const std::string &id)
{
    for (const auto &c : arm())
        if (c.id == id)
            return &c;
    return nullptr;
}

const ModelledCore *ModelledCore::named(const std::string &coreType)
{
    for (const auto &c : arm())
        if (c.name == coreType)
            return &c;
    return nullptr;
}

ModelledCore ModelledCore::host(double clockGHz, bool vpopcntdq)
{
    // XNNPACK's x86 kernels are not exported by Debian's library, so the check covers our
    // kernels and the fp32 reference only.
    ModelledCore c;
    c.id = "host";
    c.name = "this machine's x86-64 core";
    c.triple = "x86_64";
    c.llvmCpu = "znver3";
    c.example = "the local device";
    c.clockGHz = clockGHz;
    c.bitSerial = vpopcntdq;
    c.bandwidthGBs = 20.0;
    c.bandwidthSource = std::string(kAssumed) + "one core of a DDR5 server";
    c.avx512Cpu = "icelake-server";
    c.note = "the newest Zen llvm-14 knows is Zen 3 (znver3), which has no AVX-512: loops on zmm "
             "registers are timed with Ice Lake server's model";
    return c;
}

} // namespace quantscope::deploy
