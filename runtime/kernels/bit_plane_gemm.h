// SPDX-License-Identifier: MIT
// BitPlaneGemm: the integer product of a low-bit layer whose weights and activations both have
// at most 2 bits, computed bit-serially. Each operand is split into bit-planes along k (plane i
// holds bit i of every code); for weight plane i and activation plane j,
//   Σ_k (bit i of w)(bit j of u) = popcount(W_i AND A_j) over 64 k at a time,
// and Σ u·w = Σ_{i,j} 2^(i+j) · that. On a core with AVX-512 VPOPCNTDQ this has a higher
// ceiling than vpdpbusd at these widths (bench_runtime measures both; runtime/kernels/README.md).
//
// Weights are the unsigned codes c = s + 2^(bits−1) of PackedWeights' signed s; a kernel turns
// Σ u·c into Σ u·s by subtracting 2^(bits−1)·Σu (the epilogue's column sum) and then applies
// the GemmEpilogue. Layout: 64 k per 64-bit word; the outputs of 8 channels side by side, one
// 64-bit lane each, so a popcount adds into 8 channels at once and nothing is reduced across
// lanes.
#pragma once

#include "packed_gemm.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace quantscope::runtime {

struct BitPlaneWeights
{
    static constexpr size_t kLanes = 8;  // channels per group: one 64-bit lane each
    static constexpr size_t kChunk = 64; // k per word

    size_t n = 0, k = 0; // k: a multiple of kChunk
    int bits = 1;        // weight planes, 1 or 2
    int offset = 1;      // 2^(bits−1): c − offset is the signed code
    // [n/8 groups][k/64 chunks][bits planes][8 lanes], channels past n zero.
    std::vector<uint64_t> planes;

    // rows: n rows of k signed codes s, −2^(bits−1) ≤ s < 2^(bits−1).
    static BitPlaneWeights pack(const int8_t *rows, size_t n, size_t k, int bits);

    // The lane groups of output panels [begin, end) (two a panel), the last clipped at n; and
    // the words of one group. Out of line, at the baseline ISA, as blockRuns below.
    PanelRange groupsOf(PanelRange panels) const;
    size_t groupWords() const;
};

// A's rows as runs of the layer's bit-plane image ([pixel][word][plane], `words` 64-bit words of
// each plane per pixel): row r's run t starts at pixel pixels[r·runs + t] and is runChunks
// words long in each of `planes` activation planes.
struct BitPlaneRows
{
    const uint64_t *image;
    const uint32_t *pixels;
    size_t words, runs, runChunks;
    int planes; // activation planes, 1 or 2

    // Rows [0, p) in blocks of `tileRows`: a new[] array whose entry (block·runs + t)·tileRows
    // + r points at run t of the block's row r; a short last block repeats its last row (a
    // kernel never stores it). The kernel delete[]s it. Built here, at the baseline ISA, for
    // every kernel's file.
    const uint64_t **blockRuns(size_t p, size_t tileRows) const;
};

// Rows [0, p) × the channels of `panels` (16 channels, two lane groups, each) into epilogue.
using BitPlaneKernel = void (*)(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b,
                                PanelRange panels, const GemmEpilogue &epilogue);
// n codes (a multiple of 64) into `planes` bit-planes, interleaved per 64 codes as the image
// is: out[w·planes + j] holds bit j of codes [64w, 64w + 64).
using PlaneCoder = void (*)(const uint8_t *codes, size_t n, int planes, uint64_t *out);

struct BitPlaneKernelChoice
{
    std::string name; // "scalar-bitplane", "avx512-popcnt"
    BitPlaneKernel kernel = nullptr;
    PlaneCoder toPlanes = nullptr;
};

// A kernel's one instantiation per pair of widths, Blocks<W, A>::run, chosen for `b` and `a`.
// The latency model finds each one's loop by that name.
template <template <int, int> class Blocks>
void runAtWidths(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b, PanelRange panels,
                 const GemmEpilogue &epilogue)
{
    if (b.bits == 1)
        (a.planes == 1 ? Blocks<1, 1>::run : Blocks<1, 2>::run)(a, p, b, panels, epilogue);
    else
        (a.planes == 1 ? Blocks<2, 1>::run : Blocks<2, 2>::run)(a, p, b, panels, epilogue);
}

class BitPlaneGemm
{
public:
    // Whether a layer of these widths can run bit-serially at all.
    static bool serves(int weightBits, int maxActivation)
    {
        return weightBits <= 2 && maxActivation <= 3;
    }
    // The activation planes a served layer's codes take (what BitPlaneRows::planes holds).
    static int activationPlanes(int maxActivation) { return maxActivation <= 1 ? 1 : 2; }
    // The scalar oracle first, then what this CPU has; fast(): whether it has more than the
    // oracle, i.e. a kernel worth timing against its PackedGemm one.
    static std::vector<BitPlaneKernelChoice> available();
    static bool fast() { return available().size() > 1; }

    static void scalar(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b,
                       PanelRange panels, const GemmEpilogue &epilogue);
    static void scalarPlanes(const uint8_t *codes, size_t n, int planes, uint64_t *out);
};

} // namespace quantscope::runtime
