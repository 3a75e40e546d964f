// SPDX-License-Identifier: MIT
#include "binary_basis_gemm.h"

#include "kernels/vector_clones.h"

#include <algorithm>

namespace quantscope::runtime {

namespace {

// Slots weighed together: one vector register on AVX-512, the levels' sums added in it.
constexpr size_t kSlotBlock = 16;

// Slots [j, j + width) of one position's ±1 sums weighed by their α into acc, summed in
// registers over the levels that reach them (each reaches all of them: see weighLevels).
inline void weighBlock(const int32_t *__restrict sums, const float *__restrict alpha,
                       const uint32_t *levelRows, size_t levels, size_t j, size_t width,
                       bool fresh, float *__restrict acc)
{
    float v[kSlotBlock];
    for (size_t l = 0; l < width; ++l)
        v[l] = fresh ? 0.0f : acc[j + l];
    for (size_t i = 0, r = 0; i < levels && levelRows[i] > j; r += levelRows[i++])
        for (size_t l = 0; l < width; ++l)
            v[l] += alpha[r + j + l] * float(sums[r + j + l]);
    for (size_t l = 0; l < width; ++l)
        acc[j + l] = v[l];
}

// One position's ±1 sums of a piece weighed by their α into acc by slot: level i's rows are
// the first levelRows[i] slots, a whole number of blocks or all of level 0's, which are whole
// blocks or every slot (so only the channels' last block is narrower). fresh: acc starts from
// zero (past level 0's rows too).
inline void weighLevels(const int32_t *__restrict sums, const float *__restrict alpha,
                        const uint32_t *levelRows, size_t levels, size_t channels, bool fresh,
                        float *__restrict acc)
{
    const size_t rows0 = levels > 0 ? levelRows[0] : 0;
    size_t j = 0;
    for (; j + kSlotBlock <= rows0; j += kSlotBlock) // the width a constant: vector registers
        weighBlock(sums, alpha, levelRows, levels, j, kSlotBlock, fresh, acc);
    if (j < rows0)
        weighBlock(sums, alpha, levelRows, levels, j, rows0 - j, fresh, acc);
    if (fresh)
        std::fill(acc + rows0, acc + channels, 0.0f);
}

// One piece's ±1 sums of a binary-basis layer weighed by their α, added over the pieces by slot
// (from zero at the `first` piece): in y itself where the slots are the channels (slotOf null),
// else in `slotSums`. The last piece applies the epilogue into y (rows of `stride`, the
// channels a run of them; the epilogue's padding rows of `stride` too), reading each channel's
// slot, the position classes the rows'.
QS_VECTOR_CLONES void weighBasisSums(const int32_t *__restrict sums, size_t sumRow, size_t rows,
                                     const float *__restrict alpha, const uint32_t *levelRows,
                                     size_t levels, const uint32_t *__restrict slotOf,
                                     float *__restrict slotSums, size_t channels, size_t stride,
                                     bool first, const ChannelEpilogue *last,
                                     float *__restrict y)
{
    for (size_t p = 0; p < rows; ++p) {
        float *__restrict row = y + p * stride;
        float *__restrict bySlot = slotOf ? slotSums + p * channels : row;
        weighLevels(sums + p * sumRow, alpha, levelRows, levels, channels, first, bySlot);
        if (!last)
            continue;
        const float *__restrict scale = last->scale, *__restrict bias = last->bias;
        const float *__restrict padding = last->padding + last->positionClass[p] * stride;
        const float lo = last->lo, hi = last->hi;
        if (slotOf)
            for (size_t c = 0; c < channels; ++c)
                row[c] = std::min(
                    std::max(scale[c] * (bySlot[slotOf[c]] - padding[c]) + bias[c], lo), hi);
        else
            for (size_t c = 0; c < channels; ++c)
                row[c] = std::min(std::max(scale[c] * (row[c] - padding[c]) + bias[c], lo), hi);
    }
}

} // namespace

BinaryBasisGemm::BinaryBasisGemm(const qsm::Layer &layer, size_t runStride, size_t firstChannel,
                                 size_t channels)
    : m_first(firstChannel), m_channels(channels), m_stride(layer.outChannels)
{
    const size_t taps = size_t(layer.kernelH) * layer.kernelW;
    m_rowBytes = taps * runStride;
    const auto kIndex = [&](size_t k) { return k % taps * runStride + k / taps; };
    // Slots: the channels by how many bases their groups keep in all, most first, one order for
    // every piece, so that the channels keeping a piece's basis i are mostly its first slots.
    // Level i's rows of a piece are the slots up to the last one whose group keeps basis i, run
    // on to whole blocks of slots (level 0's not past the channels, the others' not past level
    // 0's), which weighLevels sums in registers; the rows of groups without basis i have zero
    // weights and add nothing. (Level 0 ending mid-block, where a piece had lost every basis
    // of some channels, left the grouped convs of a RegNetX to a scalar loop: 41 % of its time.)
    // The layer's group of this GEMM's channel c and a piece.
    const auto group = [&](size_t c, size_t piece) {
        return (firstChannel + c) * layer.pieces + piece;
    };
    const auto bases = [&](size_t c, size_t piece) { return layer.baseCounts[group(c, piece)]; };
    const auto levelRows = [&](const std::vector<uint32_t> &order, size_t piece) {
        std::vector<uint32_t> rows;
        for (size_t i = 0;; ++i) {
            size_t used = channels;
            while (used > 0 && bases(order[used - 1], piece) <= i)
                --used;
            if (used == 0)
                return rows;
            const size_t blocks = (used + kSlotBlock - 1) / kSlotBlock;
            rows.push_back(
                uint32_t(std::min(rows.empty() ? channels : rows[0], blocks * kSlotBlock)));
        }
    };
    const auto rowCount = [&](const std::vector<uint32_t> &order) {
        size_t n = 0;
        for (size_t piece = 0; piece < layer.pieces; ++piece)
            for (uint32_t r : levelRows(order, piece))
                n += r;
        return n;
    };
    std::vector<uint32_t> inOrder(channels), total(channels, 0);
    for (size_t c = 0; c < channels; ++c) {
        inOrder[c] = uint32_t(c);
        for (size_t piece = 0; piece < layer.pieces; ++piece)
            total[c] += bases(c, piece);
    }
    auto order = inOrder;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t x, uint32_t y) { return total[x] > total[y]; });
    // Slots other than the channels cost a gather per output, so they must save a tenth of the
    // rows. Rows padded to the largest group for every channel gave three times the kept bases
    // on a ShuffleNetV2 pruned to 1.5 bits (its 224×224 model: 3.7–3.9 ms, 2.7–3.3 so); on
    // ResNet-18 at 4 bits the stem's 4 % fewer rows did not pay for the gather. (An order per
    // piece, tried first, saved a few more rows for a gather per piece: slower there still.)
    if (10 * rowCount(order) > 9 * rowCount(inOrder))
        order = inOrder;
    if (order != inOrder) {
        m_slotOf.resize(channels);
        for (size_t j = 0; j < channels; ++j)
            m_slotOf[order[j]] = uint32_t(j);
    }
    for (size_t piece = 0; piece < layer.pieces; ++piece) {
        // The piece's weights of one row: their place in the GEMM's row and in their group.
        std::vector<std::pair<size_t, size_t>> at;
        for (size_t k = 0; k < layer.rowElements(); ++k)
            if (layer.groupOf(k) == piece)
                at.push_back({kIndex(k), layer.positionOf(k)});
        size_t first = at.front().first, last = first;
        for (const auto &a : at)
            first = std::min(first, a.first), last = std::max(last, a.first);
        Piece b{};
        b.first = first;
        b.levelRows = levelRows(order, piece);
        const size_t width = last - first + 1;
        std::vector<int8_t> rows;
        for (size_t i = 0; i < b.levelRows.size(); ++i)
            for (size_t j = 0; j < b.levelRows[i]; ++j) {
                rows.resize(rows.size() + width, 0); // zero between the piece's runs
                if (bases(order[j], piece) <= i) {
                    b.alpha.push_back(0.0f);
                    continue;
                }
                const size_t base = layer.firstBase[group(order[j], piece)] + i;
                const uint8_t *plane = layer.planes.data() + base * layer.planeBytes();
                b.alpha.push_back(layer.alphas[base]);
                int8_t *row = rows.data() + rows.size() - width;
                for (const auto &[k, bit] : at)
                    row[k - first] = (plane[bit / 8] >> (bit % 8) & 1u) ? 1 : -1;
            }
        if (!b.alpha.empty())
            b.weights = PackedWeights::pack(rows.data(), b.alpha.size(), width);
        m_pieces.push_back(std::move(b));
    }
    for (const auto &piece : m_pieces) // one row of sums a position, for every piece
        m_sumsRow = std::max(m_sumsRow, piece.weights.nPadded);
}

void BinaryBasisGemm::multiply(const uint8_t *codes, size_t rows, const GemmKernelChoice &kernel,
                               int maxActivation, const ChannelEpilogue &epilogue,
                               float *out) const
{
    // The task's sums and weighed sums in buffers of the thread's own that every layer reuses:
    // sized for a whole image per layer (with the rows copied out), they took ResNet-18 at 4 bits
    // to 162 MB (83 MB so, as int8) and were slower to fill.
    thread_local std::vector<int32_t> sums;
    thread_local std::vector<float> slotSums;
    sums.resize(std::max(sums.size(), rows * m_sumsRow));
    const uint32_t *slotOf = m_slotOf.empty() ? nullptr : m_slotOf.data();
    if (slotOf)
        slotSums.resize(std::max(slotSums.size(), rows * m_channels));
    const ChannelEpilogue ours{epilogue.scale + m_first, epilogue.bias + m_first,
                               epilogue.positionClass, epilogue.padding + m_first, epilogue.lo,
                               epilogue.hi};
    for (size_t p = 0; p < m_pieces.size(); ++p) {
        const Piece &piece = m_pieces[p];
        const PackedWeights &b = piece.weights;
        if (!piece.levelRows.empty()) // a piece whose groups all lost their bases adds nothing
            kernel.kernel(codes + piece.first, rows, m_rowBytes, b,
                          {0, b.nPadded / PackedWeights::kPanel}, maxActivation, sums.data(),
                          m_sumsRow);
        weighBasisSums(sums.data(), m_sumsRow, rows, piece.alpha.data(), piece.levelRows.data(),
                       piece.levelRows.size(), slotOf, slotSums.data(), m_channels, m_stride,
                       p == 0, p + 1 == m_pieces.size() ? &ours : nullptr, out + m_first);
    }
}

} // namespace quantscope::runtime
