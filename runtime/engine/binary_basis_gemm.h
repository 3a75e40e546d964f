// SPDX-License-Identifier: MIT
// BinaryBasisGemm: the products of a binary-basis layer (ALQ) on codes. Each piece of a row (one
// tap's channels, the whole row, a piece of a 1×1 row) is a GEMM of ±1 weights, a row per kept
// basis of each channel, whose exact sums S are weighed by α: Σ u·w = Σ over pieces and bases
// of α·S. LowBitLayer copies the rows out of its codes and folds in the zero points.
#pragma once

#include "format/qsm_model.h"
#include "kernels/depthwise_conv.h"
#include "kernels/packed_gemm.h"

#include <vector>

namespace quantscope::runtime {

class BinaryBasisGemm
{
public:
    // The bases of the layer's output channels [firstChannel, firstChannel + channels), one
    // group of a grouped conv or all of them, against a GEMM row of one run of runStride bytes
    // per kernel tap (tap t's input channel ic of the group at t·runStride + ic).
    BinaryBasisGemm(const qsm::Layer &layer, size_t runStride, size_t firstChannel,
                    size_t channels);

    // rows × rowBytes() codes → those channels of out (rows × the layer's channels), the
    // epilogue (the layer's) applied.
    void multiply(const uint8_t *codes, size_t rows, const GemmKernelChoice &kernel,
                  int maxActivation, const ChannelEpilogue &epilogue, float *out) const;
    size_t rowBytes() const { return m_rowBytes; }

private:
    // Per piece of a row, where it starts in the GEMM's row, and its ±1 weights level after
    // level. The channels are summed in slot order (most bases first, the same for every
    // piece); level i's rows are the first levelRows[i] slots, the rows of slots whose group
    // lacks basis i zero, and alpha is per row.
    struct Piece
    {
        size_t first;
        PackedWeights weights;
        std::vector<float> alpha;
        std::vector<uint32_t> levelRows; // non-increasing
    };
    std::vector<Piece> m_pieces;
    std::vector<uint32_t> m_slotOf; // per channel; empty where every slot is its channel
    size_t m_first = 0, m_channels = 0, m_rowBytes = 0;
    size_t m_stride = 0;  // of out's rows and the epilogue's padding: the layer's channels
    size_t m_sumsRow = 0; // the stride of a task's sums: the widest piece's
};

} // namespace quantscope::runtime
