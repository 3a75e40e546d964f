// SPDX-License-Identifier: MIT
// PackedGemm: the integer product under every low-bit conv and linear layer,
//   C[p][n] = Σ_k A[p][k] · B[n][k],
// A the unsigned 8-bit activation codes of one output position per row (im2col), B the signed
// 8-bit weight codes, packed once at load into panels of 16 output channels × 4 consecutive k —
// the shape of one vpdpbusd (AVX-512 VNNI) or sdot (NEON) step, where each 32-bit lane sums four
// byte products. Every kernel writes exactly the same integers; the scalar one is their oracle.
#pragma once

#include "activation_coder.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace quantscope::runtime {

struct PackedWeights
{
    static constexpr size_t kPanel = 16; // output channels per panel
    static constexpr size_t kGroup = 4;  // k values per 32-bit lane

    size_t n = 0;        // output channels
    size_t k = 0;        // products per output
    size_t kPadded = 0;  // k rounded up to kGroup; A rows hold this many bytes, zero past k
    size_t nPadded = 0;  // n rounded up to kPanel; C rows hold this many int32
    int maxAbsWeight = 0; // the largest |B|, which tells a kernel whether int16 sums are safe
    std::vector<int8_t> panels; // [nPadded/16][kPadded/4][16][4]
    // Σ_k B[n][k] per output channel (nPadded, zero past n): what a kernel that must shift
    // unsigned activations into the signed range (SDOT) adds back.
    std::vector<int32_t> rowSums;

    // rows: n rows of k signed codes.
    static PackedWeights pack(const int8_t *rows, size_t n, size_t k);
};

// A: p rows of b.kPadded bytes, lda apart. C: p rows of b.nPadded int32, ldc apart, of which
// the kernel writes the columns of panels [panels.begin, panels.end) — a part of the outputs,
// so threads can share a layer with few rows. maxActivation bounds A (2^bits − 1), so a kernel
// can take a narrower accumulation safely.
struct PanelRange
{
    size_t begin, end;
};
using GemmKernel = void (*)(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                            PanelRange panels, int maxActivation, int32_t *c, size_t ldc);

// The same product with A never copied out of the layer's input (an indirect GEMM): row r is
// `taps` runs of tapBytes bytes, run t at base + pixels[r·taps + t]·pixelStride — a conv's
// taps read straight from its H×W×C codes, padding pointing at a pixel of zeros. tapBytes is a
// multiple of kGroup and taps·tapBytes == b.kPadded.
struct TapRows
{
    const uint8_t *base;
    const uint32_t *pixels;
    size_t pixelStride, taps, tapBytes;
};
// What turns the integer sums into a layer's outputs (the algebra is LowBitLayer's): for row r
// and column n of a kernel call,
//   y = scale[n]·(Σ + perColumnSum[n]·colSums[r] − padding[rowClass[r]·paddingRow + n]) + bias[n]
// clamped to [lo, hi] and written to out[r·outRow + n], for the columns n < b.n only — or, by
// an indirect kernel where `codes` is set, its code under `coder` to codes[r·outRow + n]
// (what the layers reading the output would make of it).
struct GemmEpilogue
{
    const int32_t *colSums;
    const uint32_t *rowClass;
    const float *padding;
    size_t paddingRow;
    const float *scale, *perColumnSum, *bias;
    float lo, hi; // a fused clamp, ±inf without one: exact no-ops
    float *out;
    size_t outRow;
    uint8_t *codes = nullptr;
    ActivationCoder coder;

    float apply(int32_t sum, size_t r, size_t n) const
    {
        const float y = scale[n] * (float(sum) + perColumnSum[n] * float(colSums[r]) -
                                    padding[rowClass[r] * paddingRow + n]) +
                        bias[n];
        return y < lo ? lo : (y > hi ? hi : y);
    }
};
// An indirect kernel applies the epilogue as it leaves the registers: the sums never go to
// memory.
using IndirectGemmKernel = void (*)(const TapRows &a, size_t p, const PackedWeights &b,
                                    PanelRange panels, const GemmEpilogue &epilogue);

struct GemmKernelChoice
{
    std::string name; // "scalar", "avx2", "avx512vnni", "neon", "neon-dot"
    GemmKernel kernel = nullptr;
    IndirectGemmKernel indirect = nullptr; // where the kernel has an indirect form
};

class PackedGemm
{
public:
    // Every kernel this CPU can run, the scalar oracle first and the fastest last.
    static std::vector<GemmKernelChoice> available();
    static GemmKernelChoice fastest() { return available().back(); }

    static void scalar(const uint8_t *a, size_t p, size_t lda, const PackedWeights &b,
                       PanelRange panels, int maxActivation, int32_t *c, size_t ldc);
    // The indirect oracle: each row copied out, then scalar().
    static void scalarIndirect(const TapRows &a, size_t p, const PackedWeights &b,
                               PanelRange panels, const GemmEpilogue &epilogue);
};

} // namespace quantscope::runtime
