// SPDX-License-Identifier: MIT
// LowBitLayer: one conv or linear layer computed on codes, the way the workbench simulated it —
// the input quantized by the run's activation quantizer, products of codes summed exactly in
// integers by the fastest PackedGemm kernel, then scaled once per output. Weights are packed
// once, here, at load.
//
// With u = q − qmin the activation code (0 … 2^bits − 1), s = code − 2^(bits−1) the packed
// signed weight and V(o, taps) = Σ over the taps inside the image of (code − z_w[o]):
//   Σ (q − z_a)(code − z_w) = Σ u·s + (2^(bits−1) − z_w)·Σ u − (z_a − qmin)·V
// Padding is u = 0 in the product and left out of V, so it contributes exactly zero, as in the
// simulation, whatever the zero points (which need not be integers).
//
// Binary bases (ALQ), a weight Σᵢ ±αᵢ of its group's bases: their products with the codes are
// BinaryBasisGemm's, and V sums the weights themselves:
//   Σ (q − z_a)·w = Σ over pieces and bases of α·S − (z_a − qmin)·V
#pragma once

#include "binary_basis_gemm.h"
#include "format/qsm_model.h"
#include "format/shape_inference.h"
#include "kernels/bit_plane_gemm.h"
#include "kernels/depthwise_conv.h"
#include "kernels/layer_maps.h"
#include "kernels/packed_gemm.h"
#include "thread_pool.h"

#include <limits>
#include <memory>

#include <vector>

namespace quantscope::runtime {

class LowBitLayer
{
public:
    // Output positions per task: its buffers fit in L1/L2. Each task's rows are padded to the
    // kernel's tile on their own (what the latency model counts).
    static constexpr size_t kRowsPerTask = 64;

    // Uniform weights, or binary bases that basesServed, and a quantized input: what runs on
    // codes. Others run in float.
    static bool runsOnCodes(const qsm::Layer &layer);
    // Binary bases (ALQ) the codes can serve: each piece of a row one contiguous range of the
    // GEMM's row (the whole row, one tap's channels, a piece of a 1×1 row; grouped convs a
    // GEMM per group), or a depthwise conv's filter.
    static bool basesServed(const qsm::Layer &layer);

    // Whether a bit-serial kernel can run this layer: weights and activations of at most 2
    // bits, and a kernel row of whole 64-channel words (no groups, no dilation along a row).
    static bool bitSerialServes(const qsm::Layer &layer);

    // bitPlane: the bit-serial kernel for the layers it serves (weights and activations of at
    // most 2 bits, a kernel row of whole 64-channel words); null: `kernel` for every layer.
    LowBitLayer(const qsm::Layer &layer, const qsm::Shape &inShape, const qsm::Shape &outShape,
                const GemmKernelChoice &kernel, const BitPlaneKernelChoice *bitPlane = nullptr);

    // Whether the bit-serial kernel serves this layer, and whether it is used (from the start,
    // where it serves); the PackedGemm kernel otherwise. Both give the same outputs: the same
    // integer sums, the same epilogue.
    bool servesBitSerial() const { return m_bitSerialServed; }
    void useBitSerial(bool use) { m_bitSerial = m_bitSerialServed && use; }
    // Whether run() shares the layer's work among the pool's threads (the default) or keeps it
    // on the calling thread: the same outputs either way.
    void useAllThreads(bool all) { m_allThreads = all; }
    // in: H×W×C (or F) floats, or their codes under this layer's activation quantizer; out:
    // the layer's output, H×W×C (or F), as floats or coded for the layers that read it.
    void run(const LayerInput &in, const LayerOutput &out, ThreadPool &pool);
    void run(const float *in, float *out, ThreadPool &pool)
    {
        run(LayerInput{in, nullptr}, LayerOutput{out, nullptr, {}}, pool);
    }
    // A clamp (relu, relu6) that follows the layer, applied as each output is written.
    void fuseClamp(float lo, float hi) { m_clampLo = lo; m_clampHi = hi; }
    const std::string &kernelName() const
    {
        return m_depthwise ? m_depthwise->kernelName()
                           : m_bitSerial ? m_bitPlane.name : m_kernel.name;
    }

private:
    struct Taps // kernel taps [first, last) of one axis that fall inside the image
    {
        uint32_t first, last;
        bool operator==(const Taps &o) const { return first == o.first && last == o.last; }
    };

    static std::vector<uint32_t> tapClasses(int64_t outSize, int64_t inSize, int64_t kernel,
                                            int64_t stride, int64_t pad, int64_t dilation,
                                            std::vector<Taps> &classes);
    void prepareCodes(const LayerInput &in, ThreadPool &pool);
    // Rows [begin, end) of the GEMM's A for `group`: their column sums, and for a kernel
    // without an indirect form the rows copied out.
    void prepareRows(size_t group, size_t begin, size_t end);
    // Rows [begin, end) of `group`'s GEMM copied out from the codes, to `rows` onwards.
    void gatherColumns(size_t group, size_t begin, size_t end, uint8_t *rows);
    // The epilogue of `group`'s outputs from its GEMM column `column` on, for rows from `begin`,
    // written from `rows` on (row `begin`'s outputs, every channel): floats, or codes where the
    // kernel is indirect.
    GemmEpilogue epilogue(size_t group, size_t column, size_t begin,
                          const LayerOutput &rows) const;
    // Outputs of rows [begin, end) × the columns of `panels` of `group`'s GEMM, to `rows` on.
    void multiply(size_t group, size_t begin, size_t end, PanelRange panels,
                  const LayerOutput &rows);
    // scale·(Σ − padding) + bias and the fused clamp per channel, for output positions from
    // `begin` on: the epilogue of the depthwise kernel and of binary bases.
    ChannelEpilogue channelEpilogue(size_t begin) const;
    // Outputs of rows [begin, end) of a binary-basis layer's group, to `rows` on: its rows
    // copied out, then its BinaryBasisGemm.
    void multiplyBases(size_t group, size_t begin, size_t end, float *rows);
    // The layer's outputs to `values` on, for the schedules that do not code a task's rows as
    // they are written.
    void multiplyAll(float *values, ThreadPool &pool);

    const qsm::Layer &m_layer;
    GemmKernelChoice m_kernel;
    int64_t m_inC, m_inH, m_inW, m_outH, m_outW, m_perGroupIn;
    size_t m_outC = 0;
    std::vector<PackedWeights> m_groups;             // the GEMM per group, or
    std::unique_ptr<DepthwiseConv> m_depthwise;      // a depthwise layer's direct kernel
    std::vector<uint32_t> m_positionClass; // per output position: row class × columns + column
    // Per output channel: y = scale·(Σu·s + perColumnSum·Σu − padding[position class]) + bias.
    std::vector<float> m_scale, m_perColumnSum, m_bias;
    std::vector<float> m_padding; // (z_a − qmin)·V, [position class][channel]
    int m_maxActivation = 0;
    float m_clampLo = -std::numeric_limits<float>::infinity();
    float m_clampHi = std::numeric_limits<float>::infinity();
    // The input's codes, H×W×C inside a zero border of the layer's padding (u = 0 there, as
    // in the simulation), so that each kernel row of each output position is one run of bytes
    // whatever its place; then a few zero bytes that a run's last 4-byte step may read.
    std::vector<uint8_t> m_codes;
    int64_t m_codesW = 0;              // the bordered width
    std::vector<int32_t> m_pixelSums;  // Σ of each bordered pixel's codes: [group][pixel]
    // Row runs: Σ over the kernel row, then the kernel window, that starts at each pixel.
    std::vector<int32_t> m_rowSums, m_windowSums;
    // The GEMM's A row of an output position is m_runs runs of the codes, each m_runBytes long
    // and m_runStride apart in k (m_runBytes rounded up to 4-byte steps, the weights zero past
    // it): a whole kernel row of every channel (m_rowRuns), or else one tap of a group's
    // channels. m_runStart: [position][run] → the bordered pixel where it starts.
    bool m_rowRuns = false;
    size_t m_runs = 0, m_runBytes = 0, m_runStride = 0;
    std::vector<uint32_t> m_runStart;
    std::vector<uint8_t> m_cols;       // kernels without an indirect form: the rows copied out
    size_t m_colsRow = 0;              // their stride
    std::vector<BinaryBasisGemm> m_bases; // a binary-basis layer's GEMMs, one per group
    // Bit-serial layers: the weights as bit-planes, and the bordered codes as bit-planes too,
    // [pixel][64-channel word][plane], refreshed with the codes.
    bool m_bitSerialServed = false, m_bitSerial = false;
    BitPlaneKernelChoice m_bitPlane;
    BitPlaneWeights m_planeWeights;
    int m_activationPlanes = 0;
    std::vector<uint64_t> m_planeImage;
    std::vector<int32_t> m_colSums;    // Σ of each row of taps (Σu)
    std::vector<int32_t> m_acc;        // kernels without an indirect form: the int32 sums
    std::vector<float> m_outputs; // a coded output's floats, where multiplyAll writes them first
    bool m_allThreads = true;
    ThreadPool m_callingThread{1}; // the pool of one that run() takes without m_allThreads
};

} // namespace quantscope::runtime
