// SPDX-License-Identifier: MIT
#include "bit_plane_gemm.h"

#include "cpu_features.h"
#if defined(__x86_64__)
#include "kernels/x86/bit_plane_x86.h"
#elif defined(__aarch64__)
#include "kernels/arm/bit_plane_arm.h"
#endif

#include <algorithm>

namespace quantscope::runtime {

BitPlaneWeights BitPlaneWeights::pack(const int8_t *rows, size_t n, size_t k, int bits)
{
    BitPlaneWeights b;
    b.n = n;
    b.k = k;
    b.bits = bits;
    b.offset = 1 << (bits - 1);
    const size_t groups = (n + kLanes - 1) / kLanes, chunks = k / kChunk;
    b.planes.assign(groups * chunks * size_t(bits) * kLanes, 0);
    for (size_t o = 0; o < n; ++o)
        for (size_t j = 0; j < k; ++j) {
            const unsigned code = unsigned(rows[o * k + j] + b.offset);
            for (int i = 0; i < bits; ++i)
                if (code >> i & 1u)
                    b.planes[((o / kLanes * chunks + j / kChunk) * size_t(bits) + size_t(i)) *
                                 kLanes +
                             o % kLanes] |= uint64_t(1) << (j % kChunk);
        }
    return b;
}

PanelRange BitPlaneWeights::groupsOf(PanelRange panels) const
{
    const size_t groups = (n + kLanes - 1) / kLanes;
    return {panels.begin * 2, std::min(panels.end * 2, groups)};
}

size_t BitPlaneWeights::groupWords() const
{
    return k / kChunk * size_t(bits) * kLanes;
}

const uint64_t **BitPlaneRows::blockRuns(size_t p, size_t tileRows) const
{
    const size_t blocks = (p + tileRows - 1) / tileRows;
    const uint64_t **out = new const uint64_t *[blocks * runs * tileRows];
    for (size_t block = 0; block < blocks; ++block)
        for (size_t t = 0; t < runs; ++t)
            for (size_t r = 0; r < tileRows; ++r) {
                const size_t row = std::min(block * tileRows + r, p - 1);
                out[(block * runs + t) * tileRows + r] =
                    image + pixels[row * runs + t] * words * size_t(planes);
            }
    return out;
}

void BitPlaneGemm::scalar(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b,
                          PanelRange panels, const GemmEpilogue &epilogue)
{
    const size_t chunks = b.k / BitPlaneWeights::kChunk;
    const size_t last = std::min(b.n, panels.end * PackedWeights::kPanel);
    for (size_t r = 0; r < p; ++r)
        for (size_t o = panels.begin * PackedWeights::kPanel; o < last; ++o) {
            int64_t sum = 0; // Σ u·c
            for (size_t t = 0; t < a.runs; ++t) {
                const uint64_t *run = a.image + a.pixels[r * a.runs + t] * a.words * size_t(a.planes);
                for (size_t s = 0; s < a.runChunks; ++s) {
                    const size_t chunk = t * a.runChunks + s;
                    for (int i = 0; i < b.bits; ++i) {
                        const uint64_t w =
                            b.planes[((o / BitPlaneWeights::kLanes * chunks + chunk) *
                                          size_t(b.bits) +
                                      size_t(i)) *
                                         BitPlaneWeights::kLanes +
                                     o % BitPlaneWeights::kLanes];
                        for (int j = 0; j < a.planes; ++j)
                            sum += int64_t(__builtin_popcountll(w & run[s * size_t(a.planes) + size_t(j)]))
                                   << (i + j);
                    }
                }
            }
            const int64_t signedSum = sum - int64_t(b.offset) * epilogue.colSums[r];
            epilogue.out[r * epilogue.outRow + o] = epilogue.apply(int32_t(signedSum), r, o);
        }
}

void BitPlaneGemm::scalarPlanes(const uint8_t *codes, size_t n, int planes, uint64_t *out)
{
    for (size_t w = 0; w < n / BitPlaneWeights::kChunk; ++w)
        for (int j = 0; j < planes; ++j) {
            uint64_t word = 0;
            for (size_t bit = 0; bit < BitPlaneWeights::kChunk; ++bit)
                word |= uint64_t(codes[w * BitPlaneWeights::kChunk + bit] >> j & 1u) << bit;
            out[w * size_t(planes) + size_t(j)] = word;
        }
}

std::vector<BitPlaneKernelChoice> BitPlaneGemm::available()
{
    std::vector<BitPlaneKernelChoice> kernels{
        {"scalar-bitplane", &BitPlaneGemm::scalar, &BitPlaneGemm::scalarPlanes}};
#if defined(__x86_64__)
    const auto &cpu = CpuFeatures::detected();
    if (cpu.avx512vnni && cpu.avx512vpopcntdq)
        kernels.push_back({"avx512-popcnt", &bitPlaneAvx512, &planesAvx512});
#elif defined(__aarch64__)
    kernels.push_back({"neon-popcnt", &bitPlaneNeon, &planesNeon});
#endif
    return kernels;
}

} // namespace quantscope::runtime
