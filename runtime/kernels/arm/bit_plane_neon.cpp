// SPDX-License-Identifier: MIT
// Baseline AArch64 NEON; every AArch64 core runs it.
#include "bit_plane_arm.h"

#include <arm_neon.h>

// No library templates here (std::min and the like), as in the other kernel files (row_blocks.h).
namespace quantscope::runtime {

namespace {

constexpr size_t kRows = kBitPlaneNeonRows;
constexpr size_t kLanes = BitPlaneWeights::kLanes;
// A chunk adds at most 2 bytes · 72 = 144 to an int16 lane: 448 chunks (28 672 k) stay below
// 65 535, then the int16 sums are folded into the int64 totals.
constexpr size_t kMaxSteps = 448;

// Σ_{i,j} popcount(w_i AND a_j) · 2^(i+j) per byte, for the two channels of one q register:
// the pairs of one power of two added, then Horner's rule over the powers with shifts and adds
// (mla would do it in one instruction, but its pipe is the narrower one on most cores).
template <int WB, int AB>
inline uint8x16_t weightedCounts(const uint8x16_t *w, const uint8x16_t *a)
{
    uint8x16_t byPower[WB + AB - 1];
    bool started[WB + AB - 1] = {}; // unrolled and folded away: the bounds are constants
    for (int i = 0; i < WB; ++i)
        for (int j = 0; j < AB; ++j) {
            const uint8x16_t count = vcntq_u8(vandq_u8(w[i], a[j]));
            byPower[i + j] = started[i + j] ? vaddq_u8(byPower[i + j], count) : count;
            started[i + j] = true;
        }
    uint8x16_t x = byPower[WB + AB - 2];
    for (int c = WB + AB - 3; c >= 0; --c)
        x = vaddq_u8(byPower[c], vshlq_n_u8(x, 1));
    return x;
}

// Rows [0, kRows) of a block × one group of 8 channels: `totals` gets Σ u·c per row and
// channel. rows[t·kRows + r]: row r's run t; w: the group's words.
template <int WB, int AB>
void planeTile(const uint64_t *const *rows, size_t runs, size_t runChunks, const uint64_t *w,
               uint64_t (&totals)[kRows][kLanes])
{
    uint16x8_t acc[kRows][4];
    for (auto &row : acc)
        for (auto &q : row)
            q = vdupq_n_u16(0);
    for (auto &row : totals)
        for (auto &t : row)
            t = 0;
    const auto fold = [&] {
        for (size_t r = 0; r < kRows; ++r)
            for (size_t q = 0; q < 4; ++q) {
                const uint64x2_t wide = vpaddlq_u32(vpaddlq_u16(acc[r][q]));
                vst1q_u64(&totals[r][2 * q], vaddq_u64(vld1q_u64(&totals[r][2 * q]), wide));
                acc[r][q] = vdupq_n_u16(0);
            }
    };
    size_t pending = 0;
    for (size_t t = 0; t < runs; ++t) {
        const uint64_t *const *a = rows + t * kRows;
        const uint64_t *wt = w + t * runChunks * WB * kLanes;
        for (size_t s = 0; s < runChunks; ++s) {
            // Unrolled by hand of GCC: left to itself it keeps the W1A1 loops rolled, with the
            // accumulators in memory (llvm-mca: 4.9 MACs a cycle on a Cortex-A53).
            uint8x16_t wv[4][WB]; // q register q: channels 2q and 2q + 1
#pragma GCC unroll 2
            for (int i = 0; i < WB; ++i)
#pragma GCC unroll 4
                for (size_t q = 0; q < 4; ++q)
                    wv[q][i] = vreinterpretq_u8_u64(
                        vld1q_u64(wt + (s * WB + size_t(i)) * kLanes + 2 * q));
#pragma GCC unroll 4
            for (size_t r = 0; r < kRows; ++r) {
                uint8x16_t av[AB]; // the row's plane word in both halves
#pragma GCC unroll 2
                for (int j = 0; j < AB; ++j)
                    av[j] = vreinterpretq_u8_u64(vld1q_dup_u64(a[r] + s * AB + size_t(j)));
#pragma GCC unroll 4
                for (size_t q = 0; q < 4; ++q)
                    acc[r][q] = vpadalq_u8(acc[r][q], weightedCounts<WB, AB>(wv[q], av));
            }
            if (++pending == kMaxSteps) {
                fold();
                pending = 0;
            }
        }
    }
    fold();
}

// Σ u·s = Σ u·c − offset·Σu, then the epilogue, four channels a vector; a group past n alone
// is finished channel by channel.
void store(const uint64_t (&totals)[kLanes], size_t row, size_t n0, const BitPlaneWeights &b,
           const GemmEpilogue &e)
{
    const int64_t shift = int64_t(b.offset) * e.colSums[row];
    if (b.n - n0 < kLanes) {
        for (size_t c = 0; n0 + c < b.n; ++c)
            e.out[row * e.outRow + n0 + c] =
                e.apply(int32_t(int64_t(totals[c]) - shift), row, n0 + c);
        return;
    }
    const float32x4_t colSum = vdupq_n_f32(float(e.colSums[row]));
    const float *padding = e.padding + e.rowClass[row] * e.paddingRow;
    for (size_t h = 0; h < kLanes; h += 4) {
        const size_t n = n0 + h;
        const int64x2_t lo =
            vsubq_s64(vreinterpretq_s64_u64(vld1q_u64(&totals[h])), vdupq_n_s64(shift));
        const int64x2_t hi =
            vsubq_s64(vreinterpretq_s64_u64(vld1q_u64(&totals[h + 2])), vdupq_n_s64(shift));
        const float32x4_t sums = vcvtq_f32_s32(vcombine_s32(vmovn_s64(lo), vmovn_s64(hi)));
        const float32x4_t centred = vsubq_f32(
            vfmaq_f32(sums, vld1q_f32(e.perColumnSum + n), colSum), vld1q_f32(padding + n));
        const float32x4_t y = vfmaq_f32(vld1q_f32(e.bias + n), vld1q_f32(e.scale + n), centred);
        vst1q_f32(e.out + row * e.outRow + n,
                  vminq_f32(vmaxq_f32(y, vdupq_n_f32(e.lo)), vdupq_n_f32(e.hi)));
    }
}

template <int WB, int AB>
struct Blocks
{
    static void run(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b, PanelRange panels,
                    const GemmEpilogue &e)
    {
        const size_t groupWords = b.groupWords();
        const PanelRange groups = b.groupsOf(panels);
        const size_t rowBlocks = (p + kRows - 1) / kRows;
        const uint64_t **rows = a.blockRuns(p, kRows);
        uint64_t totals[kRows][kLanes];
        for (size_t group = groups.begin; group < groups.end; ++group)
            for (size_t block = 0; block < rowBlocks; ++block) {
                planeTile<WB, AB>(rows + block * a.runs * kRows, a.runs, a.runChunks,
                                  b.planes.data() + group * groupWords, totals);
                for (size_t r = 0; r < kRows && block * kRows + r < p; ++r)
                    store(totals[r], block * kRows + r, group * kLanes, b, e);
            }
        delete[] rows;
    }
};

} // namespace

void bitPlaneNeon(const BitPlaneRows &a, size_t p, const BitPlaneWeights &b, PanelRange panels,
                  const GemmEpilogue &epilogue)
{
    runAtWidths<Blocks>(a, p, b, panels, epilogue);
}

void planesNeon(const uint8_t *codes, size_t n, int planes, uint64_t *out)
{
    // Byte i of a 16-byte vector weighs 2^(i mod 8): its bit in the plane word's byte.
    static const uint8_t places[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t place = vld1q_u8(places);
    for (size_t w = 0; w < n / BitPlaneWeights::kChunk; ++w) {
        const uint8_t *c = codes + w * BitPlaneWeights::kChunk;
        const uint8x16_t v[4] = {vld1q_u8(c), vld1q_u8(c + 16), vld1q_u8(c + 32),
                                 vld1q_u8(c + 48)};
        for (int j = 0; j < planes; ++j) {
            const uint8x16_t bit = vdupq_n_u8(uint8_t(1u << j));
            uint8x16_t x[4];
            for (size_t q = 0; q < 4; ++q)
                x[q] = vandq_u8(vtstq_u8(v[q], bit), place);
            // Three pairwise adds: 64 bytes → 32 → 16 → 8, the word's bytes in order.
            const uint8x16_t quarter = vpaddq_u8(vpaddq_u8(x[0], x[1]), vpaddq_u8(x[2], x[3]));
            const uint8x16_t eighth = vpaddq_u8(quarter, quarter);
            out[w * size_t(planes) + size_t(j)] = vgetq_lane_u64(vreinterpretq_u64_u8(eighth), 0);
        }
    }
}

} // namespace quantscope::runtime
