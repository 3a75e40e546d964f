// SPDX-License-Identifier: MIT
#include "lowbit_layer.h"

#include "kernels/activation_coder.h"
#include "kernels/vector_clones.h"
#include "thread_pool.h"

#include <algorithm>
#include <cstring>

namespace quantscope::runtime {

namespace {


// The helpers below take their operands by value and restrict: byte stores may alias anything,
// and without that the compiler reloads every operand after each store instead of vectorising.

// For `count` pixels `pixelStride` apart, the sum of the `run` codes from each.
QS_VECTOR_CLONES void sumRuns(const uint8_t *__restrict codes, size_t count, size_t pixelStride,
                              size_t run, int32_t *__restrict sums)
{
    if (run == 3 && pixelStride == 3) { // an RGB image: a constant stride the compiler vectorises
        for (size_t i = 0; i < count; ++i)
            sums[i] = int32_t(codes[3 * i]) + codes[3 * i + 1] + codes[3 * i + 2];
        return;
    }
    for (size_t i = 0; i < count; ++i) {
        int32_t sum = 0;
        for (size_t c = 0; c < run; ++c)
            sum += codes[i * pixelStride + c];
        sums[i] = sum;
    }
}

// out[i] = Σ over `taps` of in[i + t·tapStride], for count outputs: sums over a kernel row of
// pixels (tapStride 1), or over a kernel's rows of those (tapStride the image's row).
QS_VECTOR_CLONES void slidingSums(const int32_t *__restrict in, size_t count, size_t taps,
                                  size_t tapStride, int32_t *__restrict out)
{
    for (size_t i = 0; i < count; ++i)
        out[i] = in[i];
    for (size_t t = 1; t < taps; ++t)
        for (size_t i = 0; i < count; ++i)
            out[i] += in[i + t * tapStride];
}

// n bytes, inline: runs of a pixel's codes are 3 to a few hundred bytes, where a call to memcpy
// costs more than the copy. 16-byte moves, the last one overlapping the one before.
inline void copyCodes(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (n < 16) {
        for (size_t i = 0; i < n; ++i)
            dst[i] = src[i];
        return;
    }
    size_t i = 0;
    for (; i + 64 <= n; i += 64) // one move at the clone's widest vector
        std::memcpy(dst + i, src + i, 64);
    for (; i + 16 < n; i += 16)
        std::memcpy(dst + i, src + i, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
}

// GemmEpilogue::apply over rows × columns of sums, row by row: the sums and the per-channel
// constants (struct-of-arrays) are contiguous, so the loop over channels vectorises (at the
// CPU's width: cloned).
QS_VECTOR_CLONES void writeGemmRows(const GemmEpilogue &e, const int32_t *sums, size_t sumRow,
                                    size_t rows, size_t columns)
{
    const float *__restrict scale = e.scale, *__restrict perColumnSum = e.perColumnSum,
                            *__restrict bias = e.bias;
    const float lo = e.lo, hi = e.hi;
    for (size_t p = 0; p < rows; ++p) {
        const int32_t *__restrict acc = sums + p * sumRow;
        const float columnSum = float(e.colSums[p]);
        const float *__restrict padding = e.padding + e.rowClass[p] * e.paddingRow;
        float *__restrict dst = e.out + p * e.outRow;
        for (size_t j = 0; j < columns; ++j) {
            const float y =
                scale[j] * (float(acc[j]) + perColumnSum[j] * columnSum - padding[j]) + bias[j];
            dst[j] = std::min(std::max(y, lo), hi); // as ReferenceKernels::clamp
        }
    }
}

} // namespace

bool LowBitLayer::runsOnCodes(const qsm::Layer &layer)
{
    return (layer.encoding == qsm::WeightEncoding::Uniform || basesServed(layer)) &&
           layer.input.bits > 0 && layer.input.qmax - layer.input.qmin <= 255;
}

bool LowBitLayer::basesServed(const qsm::Layer &layer)
{
    if (layer.encoding != qsm::WeightEncoding::BinaryBases)
        return false;
    const uint32_t taps = layer.kernelH * layer.kernelW;
    if (layer.isDepthwise())
        return layer.pieces == 1; // depthwise, one piece per filter: DepthwiseConv takes any
    // Pieces that are whole runs of the GEMM's row: the row, one tap's channels, or a
    // contiguous piece of a 1×1 row.
    return layer.pieces == 1 || (layer.interleaved && layer.pieces == taps) ||
           (!layer.interleaved && taps == 1);
}

std::vector<uint32_t> LowBitLayer::tapClasses(int64_t outSize, int64_t inSize, int64_t kernel,
                                              int64_t stride, int64_t pad, int64_t dilation,
                                              std::vector<Taps> &classes)
{
    std::vector<uint32_t> classOf(static_cast<size_t>(outSize));
    for (int64_t o = 0; o < outSize; ++o) {
        Taps taps{uint32_t(kernel), 0};
        for (int64_t t = 0; t < kernel; ++t) {
            const int64_t i = o * stride - pad + t * dilation;
            if (i >= 0 && i < inSize) {
                taps.first = std::min(taps.first, uint32_t(t));
                taps.last = uint32_t(t + 1);
            }
        }
        if (taps.last == 0)
            taps.first = 0; // no tap inside: an empty range
        auto found = std::find(classes.begin(), classes.end(), taps);
        if (found == classes.end())
            found = classes.insert(classes.end(), taps);
        classOf[size_t(o)] = uint32_t(found - classes.begin());
    }
    return classOf;
}

bool LowBitLayer::bitSerialServes(const qsm::Layer &layer)
{
    return runsOnCodes(layer) && layer.encoding == qsm::WeightEncoding::Uniform &&
           layer.groups == 1 && layer.dilationW == 1 &&
           layer.inChannels % BitPlaneWeights::kChunk == 0 &&
           BitPlaneGemm::serves(int(layer.bits), layer.input.qmax - layer.input.qmin);
}

LowBitLayer::LowBitLayer(const qsm::Layer &layer, const qsm::Shape &inShape,
                         const qsm::Shape &outShape, const GemmKernelChoice &kernel,
                         const BitPlaneKernelChoice *bitPlane)
    : m_layer(layer), m_kernel(kernel)
{
    const bool linear = layer.kind == qsm::OpKind::Linear;
    m_inC = inShape[0];
    m_inH = linear ? 1 : inShape[1];
    m_inW = linear ? 1 : inShape[2];
    m_outH = linear ? 1 : outShape[1];
    m_outW = linear ? 1 : outShape[2];
    m_perGroupIn = layer.inChannels;
    const int64_t perGroupOut = layer.outChannels / layer.groups;
    const int64_t kh = layer.kernelH, kw = layer.kernelW;

    // Output positions grouped by which kernel taps fall inside the image (borders differ).
    std::vector<Taps> rowTaps, colTaps;
    const auto rowClass = tapClasses(m_outH, m_inH, kh, layer.strideH, layer.padH,
                                     layer.dilationH, rowTaps);
    const auto colClass = tapClasses(m_outW, m_inW, kw, layer.strideW, layer.padW,
                                     layer.dilationW, colTaps);
    for (int64_t oy = 0; oy < m_outH; ++oy)
        for (int64_t ox = 0; ox < m_outW; ++ox)
            m_positionClass.push_back(rowClass[size_t(oy)] * uint32_t(colTaps.size()) +
                                      colClass[size_t(ox)]);

    const bool uniform = layer.encoding == qsm::WeightEncoding::Uniform;
    const int offset = uniform ? 1 << (layer.bits - 1) : 0;
    const auto signedCode = [&](size_t o, size_t k) { return int8_t(int(layer.code(o, k)) - offset); };
    // The weights the sums multiply, per output channel: code − z_w (scaled in the epilogue),
    // or binary bases' Σ ±α as they are.
    const auto centredRow = [&](size_t o) {
        std::vector<float> weights(uniform ? 0 : layer.rowElements());
        if (!uniform)
            layer.rowWeights(o, weights.data());
        std::vector<double> row(layer.rowElements());
        for (size_t k = 0; k < row.size(); ++k)
            row[k] = uniform ? double(layer.code(o, k)) - layer.zeroPoint[o] : weights[k];
        return row;
    };
    if (layer.isDepthwise()) {
        // Depthwise: channels in the vector lanes (DepthwiseConv), not a GEMM per channel.
        std::vector<float> taps;
        for (size_t o = 0; o < layer.outChannels; ++o)
            for (double w : centredRow(o))
                taps.push_back(float(w));
        m_depthwise = std::make_unique<DepthwiseConv>(
            taps, layer.outChannels,
            ConvWindow{kh, kw, layer.strideH, layer.strideW, layer.padH, layer.padW,
                       layer.dilationH, layer.dilationW, m_inH, m_inW, m_outW});
    } else if (!uniform) {
        // The GEMM's row as for grouped convs, one run of the group's input channels per tap,
        // so that each piece of a row is one contiguous range of it (basesServed).
        m_runs = size_t(kh * kw);
        m_runBytes = size_t(m_perGroupIn);
        m_runStride = (m_runBytes + PackedWeights::kGroup - 1) / PackedWeights::kGroup *
                      PackedWeights::kGroup;
        for (uint32_t g = 0; g < layer.groups; ++g)
            m_bases.emplace_back(layer, m_runStride, size_t(g * perGroupOut),
                                 size_t(perGroupOut));
    } else {
        // The GEMM's k runs the way its rows are read from the zero-bordered codes (see the
        // header): a whole kernel row of every channel per run where the group holds every
        // channel and the row's taps are adjacent, else one tap's channels; each run padded to
        // whole 4-byte steps with zero weights, so the bytes read past a run add nothing.
        m_rowRuns = layer.groups == 1 && layer.dilationW == 1;
        m_runs = size_t(m_rowRuns ? kh : kh * kw);
        m_runBytes = size_t(m_rowRuns ? kw * m_perGroupIn : m_perGroupIn);
        m_runStride = (m_runBytes + PackedWeights::kGroup - 1) / PackedWeights::kGroup *
                      PackedWeights::kGroup;
        const size_t rowK = m_runs * m_runStride;
        std::vector<int8_t> rows(size_t(perGroupOut) * rowK);
        for (uint32_t g = 0; g < layer.groups; ++g) {
            std::fill(rows.begin(), rows.end(), int8_t(0));
            for (int64_t o = 0; o < perGroupOut; ++o)
                for (int64_t ic = 0; ic < m_perGroupIn; ++ic)
                    for (int64_t ky = 0; ky < kh; ++ky)
                        for (int64_t kx = 0; kx < kw; ++kx) {
                            const size_t run = size_t(m_rowRuns ? ky : ky * kw + kx);
                            const size_t at = size_t(m_rowRuns ? kx * m_perGroupIn + ic : ic);
                            rows[size_t(o) * rowK + run * m_runStride + at] = signedCode(
                                size_t(g * perGroupOut + o), size_t((ic * kh + ky) * kw + kx));
                        }
            m_groups.push_back(PackedWeights::pack(rows.data(), size_t(perGroupOut), rowK));
        }
        const int maxActivation = layer.input.qmax - layer.input.qmin;
        m_bitSerialServed = bitPlane && bitSerialServes(layer);
        m_bitSerial = m_bitSerialServed;
        if (m_bitSerialServed) {
            m_bitPlane = *bitPlane;
            m_planeWeights = BitPlaneWeights::pack(rows.data(), size_t(perGroupOut), rowK,
                                                   int(layer.bits));
            m_activationPlanes = BitPlaneGemm::activationPlanes(maxActivation);
        }
    }

    // Everything but the integer product, folded per output channel (see the header), as
    // separate arrays so the epilogue reads each with vector loads.
    const double activationOffset = double(layer.input.zeroPoint) - layer.input.qmin;
    m_outC = layer.outChannels;
    m_scale.assign(m_outC, 0.0f);
    m_perColumnSum.assign(m_outC, 0.0f);
    m_bias.assign(m_outC, 0.0f);
    const size_t classes = rowTaps.size() * colTaps.size();
    m_padding.assign(classes * m_outC, 0.0f);
    for (size_t o = 0; o < m_outC; ++o) {
        m_scale[o] = layer.input.scale * (uniform ? layer.scale[o] : 1.0f);
        m_perColumnSum[o] = uniform ? float(offset - double(layer.zeroPoint[o])) : 0.0f;
        m_bias[o] = layer.bias.empty() ? 0.0f : layer.bias[o];
        const auto row = centredRow(o);
        for (size_t rc = 0; rc < rowTaps.size(); ++rc)
            for (size_t cc = 0; cc < colTaps.size(); ++cc) {
                double valid = 0; // V: Σ over the taps inside the image of the weights
                for (int64_t ic = 0; ic < m_perGroupIn; ++ic)
                    for (uint32_t ky = rowTaps[rc].first; ky < rowTaps[rc].last; ++ky)
                        for (uint32_t kx = colTaps[cc].first; kx < colTaps[cc].last; ++kx)
                            valid += row[size_t((ic * kh + ky) * kw + kx)];
                m_padding[(rc * colTaps.size() + cc) * m_outC + o] =
                    float(activationOffset * valid);
            }
    }

    m_maxActivation = layer.input.qmax - layer.input.qmin;
    const size_t positions = size_t(m_outH * m_outW);
    if (m_depthwise)
        return;
    // Where each run of each output position starts in the bordered codes, as a pixel index.
    m_codesW = m_inW + 2 * layer.padW;
    const int64_t codesH = m_inH + 2 * layer.padH;
    for (int64_t oy = 0; oy < m_outH; ++oy)
        for (int64_t ox = 0; ox < m_outW; ++ox)
            for (int64_t ky = 0; ky < kh; ++ky)
                for (int64_t kx = 0; kx < (m_rowRuns ? 1 : kw); ++kx)
                    m_runStart.push_back(
                        uint32_t((oy * layer.strideH + ky * layer.dilationH) * m_codesW +
                                 ox * layer.strideW + kx * layer.dilationW));
    // The border stays zero (u = 0: padding adds nothing to Σu·s); the tail lets a run's last
    // 4-byte step read past the last pixel.
    const size_t pixels = size_t(codesH * m_codesW);
    m_codes.assign(pixels * size_t(m_inC) + PackedWeights::kGroup, 0);
    if (!m_bases.empty()) { // the rows copied out a task at a time (multiplyBases)
        m_colsRow = m_bases[0].rowBytes();
        return;
    }
    m_pixelSums.assign(m_groups.size() * pixels, 0);
    if (m_rowRuns) {
        m_rowSums.assign(pixels, 0);
        m_windowSums.assign(pixels, 0);
    }
    if (m_bitSerialServed)
        m_planeImage.assign(pixels * size_t(m_inC) / BitPlaneWeights::kChunk *
                                size_t(m_activationPlanes),
                            0);
    if (!m_kernel.indirect) { // the rows copied out, and the sums scaled in a second pass
        m_colsRow = m_groups[0].kPadded;
        m_cols.resize(positions * m_colsRow);
        m_acc.resize(positions * m_groups[0].nPadded);
    }
    m_colSums.resize(positions);
}

void LowBitLayer::prepareCodes(const LayerInput &in, ThreadPool &pool)
{
    const size_t channels = size_t(m_inC), width = size_t(m_inW);
    const ActivationCoder coder(m_layer.input);
    // Row by row into the bordered image, each pixel's codes summed per group for the column
    // sums.
    const size_t groups = m_groups.size(), run = size_t(m_perGroupIn);
    const size_t pixels = size_t(m_inH + 2 * m_layer.padH) * size_t(m_codesW);
    pool.parallelFor(size_t(m_inH), 4, [&](size_t begin, size_t end) {
        for (size_t y = begin; y < end; ++y) {
            const size_t first = (y + m_layer.padH) * size_t(m_codesW) + m_layer.padW;
            uint8_t *codes = m_codes.data() + first * channels;
            const size_t row = width * channels;
            if (in.codes) // coded by the layer before
                std::memcpy(codes, in.codes + y * row, row);
            else
                codeValues(in.values + y * row, codes, row, coder);
            if (!m_bases.empty())
                continue; // ±1 weights: no column sums
            if (m_bitSerial)
                m_bitPlane.toPlanes(codes, width * channels, m_activationPlanes,
                                    m_planeImage.data() + first * channels /
                                                              BitPlaneWeights::kChunk *
                                                              size_t(m_activationPlanes));
            for (size_t g = 0; g < groups; ++g)
                sumRuns(codes + g * run, width, channels, run,
                        m_pixelSums.data() + g * pixels + first);
        }
    });
    if (!m_rowRuns)
        return;
    // Σu of every kernel window, by the pixel where its first run starts: each row's sums over
    // a kernel row, then those over the kernel's rows — a few vector adds per pixel, where
    // summing each output position's taps took kh·kw scalar loads.
    const size_t codesW = size_t(m_codesW), rowsH = pixels / codesW;
    const size_t kh = m_layer.kernelH, kw = m_layer.kernelW, rowStep = m_layer.dilationH * codesW;
    const size_t anchors = codesW - (kw - 1), anchorRows = rowsH - (kh - 1) * m_layer.dilationH;
    pool.parallelFor(rowsH, 8, [&](size_t begin, size_t end) {
        for (size_t y = begin; y < end; ++y)
            slidingSums(m_pixelSums.data() + y * codesW, anchors, kw, 1,
                        m_rowSums.data() + y * codesW);
    });
    pool.parallelFor(anchorRows, 8, [&](size_t begin, size_t end) {
        for (size_t y = begin; y < end; ++y)
            slidingSums(m_rowSums.data() + y * codesW, anchors, kh, rowStep,
                        m_windowSums.data() + y * codesW);
    });
}

void LowBitLayer::prepareRows(size_t group, size_t begin, size_t end)
{
    if (m_rowRuns) {
        for (size_t p = begin; p < end; ++p)
            m_colSums[p] = m_windowSums[m_runStart[p * m_runs]];
    } else {
        const int32_t *pixelSums =
            m_pixelSums.data() + group * (m_pixelSums.size() / m_groups.size());
        for (size_t p = begin; p < end; ++p) {
            const uint32_t *starts = m_runStart.data() + p * m_runs;
            int32_t sum = 0;
            for (size_t r = 0; r < m_runs; ++r)
                sum += pixelSums[starts[r]];
            m_colSums[p] = sum;
        }
    }
    if (!m_kernel.indirect && !m_bitSerial)
        gatherColumns(group, begin, end, m_cols.data() + begin * m_colsRow);
}

QS_VECTOR_CLONES void LowBitLayer::gatherColumns(size_t group, size_t begin, size_t end,
                                                 uint8_t *rows)
{
    const size_t kPadded = m_colsRow, channels = size_t(m_inC);
    const uint8_t *codes = m_codes.data() + group * size_t(m_perGroupIn);
    for (size_t p = begin; p < end; ++p) {
        const uint32_t *starts = m_runStart.data() + p * m_runs;
        uint8_t *row = rows + (p - begin) * kPadded;
        for (size_t r = 0; r < m_runs; ++r)
            copyCodes(row + r * m_runStride, codes + starts[r] * channels, m_runStride);
    }
}

GemmEpilogue LowBitLayer::epilogue(size_t group, size_t column, size_t begin,
                                   const LayerOutput &rows) const
{
    const size_t first = group * m_groups[group].n + column;
    return {m_colSums.data() + begin,
            m_positionClass.data() + begin,
            m_padding.data() + first,
            m_outC,
            m_scale.data() + first,
            m_perColumnSum.data() + first,
            m_bias.data() + first,
            m_clampLo,
            m_clampHi,
            rows.values ? rows.values + first : nullptr,
            m_outC,
            rows.codes ? rows.codes + first : nullptr,
            rows.coder};
}

void LowBitLayer::multiply(size_t group, size_t begin, size_t end, PanelRange panels,
                           const LayerOutput &rows)
{
    const PackedWeights &b = m_groups[group];
    if (m_bitSerial) { // floats only
        const BitPlaneRows planes{m_planeImage.data(), m_runStart.data() + begin * m_runs,
                                  size_t(m_inC) / BitPlaneWeights::kChunk, m_runs,
                                  m_runBytes / BitPlaneWeights::kChunk, m_activationPlanes};
        m_bitPlane.kernel(planes, end - begin, m_planeWeights, panels,
                          epilogue(group, 0, begin, rows));
        return;
    }
    if (m_kernel.indirect) {
        const TapRows taps{m_codes.data() + group * size_t(m_perGroupIn),
                           m_runStart.data() + begin * m_runs, size_t(m_inC), m_runs,
                           m_runStride};
        m_kernel.indirect(taps, end - begin, b, panels, epilogue(group, 0, begin, rows));
        return;
    }
    int32_t *acc = m_acc.data() + begin * b.nPadded; // floats only
    m_kernel.kernel(m_cols.data() + begin * b.kPadded, end - begin, b.kPadded, b, panels,
                    m_maxActivation, acc, b.nPadded);
    const size_t column = panels.begin * PackedWeights::kPanel;
    if (column < b.n)
        writeGemmRows(epilogue(group, column, begin, rows), acc + column, b.nPadded, end - begin,
                      std::min(b.n, panels.end * PackedWeights::kPanel) - column);
}

ChannelEpilogue LowBitLayer::channelEpilogue(size_t begin) const
{
    return {m_scale.data(), m_bias.data(), m_positionClass.data() + begin, m_padding.data(),
            m_clampLo, m_clampHi};
}

void LowBitLayer::multiplyBases(size_t group, size_t begin, size_t end, float *rows)
{
    // The task's rows copied out, in a buffer of the thread's own that every layer reuses (see
    // BinaryBasisGemm::multiply).
    thread_local std::vector<uint8_t> cols;
    cols.resize(std::max(cols.size(), (end - begin) * m_colsRow + PackedWeights::kGroup));
    gatherColumns(group, begin, end, cols.data());
    m_bases[group].multiply(cols.data(), end - begin, m_kernel, m_maxActivation,
                            channelEpilogue(begin), rows);
}

void LowBitLayer::run(const LayerInput &in, const LayerOutput &out, ThreadPool &threads)
{
    ThreadPool &pool = m_allThreads ? threads : m_callingThread;
    if (m_depthwise) { // it codes its input itself, a few rows at a time
        const ChannelEpilogue epilogue = channelEpilogue(0);
        // A few tasks of whole rows per thread: each task codes the rows it reads once.
        const size_t rowsPerTask = std::max<size_t>(1, size_t(m_outH) / (4 * pool.threads()));
        pool.parallelFor(size_t(m_outH), rowsPerTask, [&](size_t begin, size_t end) {
            m_depthwise->run(in, ActivationCoder(m_layer.input), begin, end, epilogue, out);
        });
        return;
    }
    prepareCodes(in, pool);
    const size_t positions = size_t(m_outH * m_outW);
    const size_t rowTiles = (positions + kRowsPerTask - 1) / kRowsPerTask;
    if (m_bases.empty() && (pool.threads() == 1 || rowTiles >= 2 * pool.threads())) {
        // Enough rows for every thread: each tile gathers, multiplies and scales its rows while
        // they are in cache — and codes them there for a coded output, from floats in a buffer
        // of the thread's own that every layer reuses.
        // An indirect GEMM codes them as they leave its registers.
        const bool codesInKernel = out.codes && m_kernel.indirect && !m_bitSerial;
        pool.parallelFor(positions, kRowsPerTask, [&](size_t begin, size_t end) {
            thread_local std::vector<float> tile;
            const size_t values = (end - begin) * m_outC;
            LayerOutput rows{nullptr, nullptr, out.coder};
            if (codesInKernel) {
                rows.codes = out.codes + begin * m_outC;
            } else if (out.codes) {
                tile.resize(std::max(tile.size(), values));
                rows.values = tile.data();
            } else {
                rows.values = out.values + begin * m_outC;
            }
            for (size_t g = 0; g < m_groups.size(); ++g) {
                prepareRows(g, begin, end);
                multiply(g, begin, end, {0, m_groups[g].nPadded / PackedWeights::kPanel}, rows);
            }
            if (out.codes && !codesInKernel)
                codeValues(rows.values, out.codes + begin * m_outC, values, out.coder);
        });
        return;
    }
    if (!out.codes) {
        multiplyAll(out.values, pool);
        return;
    }
    m_outputs.resize(positions * m_outC);
    multiplyAll(m_outputs.data(), pool);
    pool.parallelFor(positions, kRowsPerTask, [&](size_t begin, size_t end) {
        codeValues(m_outputs.data() + begin * m_outC, out.codes + begin * m_outC,
                   (end - begin) * m_outC, out.coder);
    });
}

void LowBitLayer::multiplyAll(float *values, ThreadPool &pool)
{
    const size_t positions = size_t(m_outH * m_outW);
    const size_t rowTiles = (positions + kRowsPerTask - 1) / kRowsPerTask;
    if (!m_bases.empty()) { // tasks of a tile of rows and a group: small maps use every thread
        const size_t groups = m_bases.size();
        pool.parallelFor(rowTiles * groups, 1, [&](size_t first, size_t last) {
            for (size_t t = first; t < last; ++t) {
                const size_t begin = t / groups * kRowsPerTask;
                multiplyBases(t % groups, begin, std::min(positions, begin + kRowsPerTask),
                              values + begin * m_outC);
            }
        });
        return;
    }
    // Few rows (the deep layers of a network: 7×7 maps, wide channels): the rows are gathered
    // first, then the threads share the output channels as well.
    for (size_t g = 0; g < m_groups.size(); ++g) {
        const size_t panels = m_groups[g].nPadded / PackedWeights::kPanel;
        pool.parallelFor(positions, kRowsPerTask,
                         [&](size_t begin, size_t end) { prepareRows(g, begin, end); });
        const size_t panelsPerTile =
            std::max<size_t>(1, panels * rowTiles / (4 * pool.threads()));
        const size_t panelTiles = (panels + panelsPerTile - 1) / panelsPerTile;
        pool.parallelFor(rowTiles * panelTiles, 1, [&](size_t first, size_t last) {
            for (size_t t = first; t < last; ++t) {
                const size_t begin = t / panelTiles * kRowsPerTask,
                             end = std::min(positions, begin + kRowsPerTask);
                const PanelRange range{t % panelTiles * panelsPerTile,
                                       std::min(panels, (t % panelTiles + 1) * panelsPerTile)};
                multiply(g, begin, end, range, LayerOutput{values + begin * m_outC, nullptr, {}});
            }
        });
    }
}

} // namespace quantscope::runtime
