// SPDX-License-Identifier: MIT
#include "packed_gemm.h"

#include "cpu_features.h"
#if defined(__x86_64__)
#include "kernels/x86/gemm_x86.h"
#elif defined(__aarch64__)
#include "kernels/arm/gemm_arm.h"
#endif

#include <algorithm>
#include <cstdlib>

namespace quantscope::runtime {

PackedWeights PackedWeights::pack(const int8_t *rows, size_t n, size_t k)
{
    PackedWeights b;
    b.n = n;
    b.k = k;
    b.kPadded = (k + kGroup - 1) / kGroup * kGroup;
    b.nPadded = (n + kPanel - 1) / kPanel * kPanel;
    b.panels.assign(b.nPadded * b.kPadded, 0);
    b.rowSums.assign(b.nPadded, 0);
    for (size_t o = 0; o < n; ++o)
        for (size_t j = 0; j < k; ++j) {
            const int8_t w = rows[o * k + j];
            b.maxAbsWeight = std::max(b.maxAbsWeight, std::abs(int(w)));
            b.rowSums[o] += w;
            const size_t panel = o / kPanel, lane = o % kPanel;
            const size_t step = j / kGroup, byte = j % kGroup;
            b.panels[((panel * (b.kPadded / kGroup) + step) * kPanel + lane) * kGroup + byte] = w;
        }
    return b;
}

void PackedGemm::scalar(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                        PanelRange panels, int, int32_t *c, size_t ldc)
{
    const size_t steps = b.kPadded / PackedWeights::kGroup;
    for (size_t r = 0; r < p; ++r)
        for (size_t panel = panels.begin; panel < panels.end; ++panel) {
            const int8_t *w = b.panels.data() + panel * steps * PackedWeights::kPanel * 4;
            int32_t acc[PackedWeights::kPanel] = {};
            for (size_t s = 0; s < steps; ++s)
                for (size_t lane = 0; lane < PackedWeights::kPanel; ++lane)
                    for (size_t byte = 0; byte < 4; ++byte)
                        acc[lane] += int32_t(a[r * lda + s * 4 + byte]) *
                                     w[(s * PackedWeights::kPanel + lane) * 4 + byte];
            std::copy(acc, acc + PackedWeights::kPanel,
                      c + r * ldc + panel * PackedWeights::kPanel);
        }
}

void PackedGemm::scalarIndirect(const TapRows &a, size_t p, const PackedWeights &b,
                                PanelRange panels, const GemmEpilogue &epilogue)
{
    std::vector<uint8_t> row(b.kPadded);
    std::vector<int32_t> sums(b.nPadded);
    const size_t last = std::min(b.n, panels.end * PackedWeights::kPanel);
    for (size_t r = 0; r < p; ++r) {
        for (size_t t = 0; t < a.taps; ++t)
            std::copy_n(a.base + a.pixels[r * a.taps + t] * a.pixelStride, a.tapBytes,
                        row.begin() + t * a.tapBytes);
        scalar(row.data(), 1, b.kPadded, b, panels, 255, sums.data(), b.nPadded);
        for (size_t n = panels.begin * PackedWeights::kPanel; n < last; ++n) {
            const float y = epilogue.apply(sums[n], r, n);
            if (epilogue.codes)
                epilogue.codes[r * epilogue.outRow + n] = epilogue.coder.code(y);
            else
                epilogue.out[r * epilogue.outRow + n] = y;
        }
    }
}

std::vector<GemmKernelChoice> PackedGemm::available()
{
    std::vector<GemmKernelChoice> kernels{{"scalar", &PackedGemm::scalar, &PackedGemm::scalarIndirect}};
    const auto &cpu = CpuFeatures::detected();
#if defined(__x86_64__)
    if (cpu.avx2)
        kernels.push_back({"avx2", &gemmAvx2});
    if (cpu.avx512vnni)
        kernels.push_back({"avx512vnni", &gemmAvx512Vnni, &gemmAvx512VnniIndirect});
#elif defined(__aarch64__)
    kernels.push_back({"neon", &gemmNeon}); // part of every AArch64 core
    if (cpu.neonDot)
        kernels.push_back({"neon-dot", &gemmNeonDot});
#endif
    (void)cpu;
    return kernels;
}

} // namespace quantscope::runtime
