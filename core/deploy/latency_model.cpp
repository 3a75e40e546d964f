// SPDX-License-Identifier: MIT
#include "latency_model.h"

#include "error.h"
#include "kernel_loop.h"
#include "loop_cycles.h"

#include "format/shape_inference.h"
#include "engine/lowbit_layer.h"
#include "kernels/arm/bit_plane_arm.h"
#include "kernels/arm/gemm_arm.h"
#include "kernels/x86/bit_plane_x86.h"
#include "kernels/x86/gemm_x86.h"

#include <cmath>

namespace quantscope::deploy {

namespace {

double roundUp(double value, double step)
{
    return std::ceil(value / step) * step;
}

// A backend's kernel as far as its binary's name for it tells: the tile it pads to and its
// bytes per element; the loop's cost is filled in once found.
struct LoopSource
{
    std::string binary, fragment; // where to look, and what its function's name contains
    KernelCost cost;
};

// A kernel's cost as its name and tile give it, before its loop is found and timed.
KernelCost tile(std::string backend, std::string kernel, size_t rows, size_t channels,
                size_t kStep, int bytesPerElement)
{
    KernelCost k;
    k.backend = std::move(backend);
    k.kernel = std::move(kernel);
    k.rows = int(rows);
    k.channels = int(channels);
    k.kStep = int(kStep);
    k.activationBytes = k.weightBytes = bytesPerElement;
    return k;
}

std::vector<LoopSource> agentLoops(const ModelledCore &core, const std::string &agent)
{
    constexpr size_t panel = runtime::PackedWeights::kPanel, step = runtime::PackedWeights::kGroup;
    const bool arm = core.triple == "aarch64";
    std::vector<LoopSource> loops{
        !arm ? LoopSource{agent, "gemmAvx512VnniIndirect(",
                          tile("lowbit", "avx512vnni", runtime::kVnniRows,
                               runtime::kVnniPanels * panel, step, 1)}
        : core.dotProduct
            ? LoopSource{agent, "dotPanel(",
                         tile("lowbit", "neon-dot", runtime::kNeonDotRows, panel, step, 1)}
            : LoopSource{agent, "mulPanel(",
                         tile("lowbit", "neon", runtime::kNeonRows, panel, step, 1)},
        // The reference fp32 conv: a scalar loop over one output's window, on floats.
        {agent, "ReferenceKernels::layerFloat(", tile("fp32", "reference", 1, 1, 1, 4)}};
    // The depthwise kernel (DepthwiseConv) the runtime picks for uniform codes: NEON's int16
    // build (eight channels, seven positions in flight, with the code sums that a zero point's
    // fraction needs, as most layers' grids have), AVX-512's floats (16, 8); its taps' weights
    // are int16 and floats.
    LoopSource depthwise = arm ? LoopSource{agent, "depthwiseS16Vectors<8, 7, true>",
                                            tile("lowbit", "depthwise-neon-s16", 1, 8, 1, 1)}
                               : LoopSource{agent, "depthwiseVectors<float vector[16], ",
                                            tile("lowbit", "depthwise-avx512", 1, 16, 1, 1)};
    depthwise.cost.depthwise = true;
    depthwise.cost.weightBytes = arm ? 2 : 4;
    loops.push_back(std::move(depthwise));
    if (!core.bitSerial)
        return loops;
    // The bit-serial kernel, one instantiation per pair of widths.
    const std::string name = arm ? "neon-popcnt" : "avx512-popcnt";
    const size_t rows = arm ? runtime::kBitPlaneNeonRows : runtime::kBitPlaneAvx512Rows;
    const size_t channels = runtime::BitPlaneWeights::kLanes * (arm ? 1 : 2);
    for (const auto &[w, a] : {std::pair{1, 1}, {1, 2}, {2, 1}, {2, 2}}) {
        const std::string widths = std::to_string(w) + ", " + std::to_string(a);
        LoopSource s{agent, "Blocks<" + widths + ">::run(",
                     tile("lowbit", name + " W" + std::to_string(w) + "A" + std::to_string(a),
                          rows, channels, runtime::BitPlaneWeights::kChunk, 1)};
        s.cost.weightBits = w;
        s.cost.activationBits = a;
        loops.push_back(std::move(s));
    }
    return loops;
}

} // namespace

LatencyModel::LatencyModel(ModelledCore core, std::vector<KernelCost> kernels)
    : m_core(std::move(core)), m_kernels(std::move(kernels))
{
}

LatencyModel::LatencyModel(ModelledCore core, const Binaries &binaries) : m_core(std::move(core))
{
    auto sources = agentLoops(m_core, binaries.agent);
    if (!m_core.xnnpackKernel.empty()) {
        if (binaries.xnnpack.empty())
            m_skipped.push_back({"int8", "no XNNPACK library for " + m_core.triple});
        else {
            // Named by its tile and variant ("4x16c4__aarch64_neondot_cortex_a55"): the
            // function keeps the whole symbol.
            const std::string &k = m_core.xnnpackKernel;
            sources.push_back({binaries.xnnpack, k,
                               tile("int8", "xnnpack " + k.substr(k.find("ukernel_") + 8),
                                    size_t(m_core.xnnpackRows), size_t(m_core.xnnpackChannels),
                                    size_t(m_core.xnnpackKr), 1)});
        }
    }
    for (auto &s : sources) {
        try {
            const auto loop = KernelLoop::find(s.binary, s.fragment, m_core.triple);
            const bool avx512 = loop.assembly().find("%zmm") != std::string::npos;
            const std::string &cpu =
                avx512 && !m_core.avx512Cpu.empty() ? m_core.avx512Cpu : m_core.llvmCpu;
            s.cost.function = loop.function;
            s.cost.cyclesPerIteration = LoopCycles::perIteration(loop, m_core.triple, cpu);
            // A bit-serial loop's count is of one-bit products: W·A of them make a MAC.
            s.cost.macsPerIteration =
                loop.macsPerIteration /
                (s.cost.weightBits ? s.cost.weightBits * s.cost.activationBits : 1);
            s.cost.functionAddress = loop.functionAddress;
            s.cost.loopAddress = loop.address;
            m_kernels.push_back(std::move(s.cost));
        } catch (const Error &e) {
            m_skipped.push_back({s.cost.backend, e.what()});
        }
    }
    if (m_kernels.empty()) {
        const auto &[backend, why] = m_skipped.front(); // every backend left out, with its reason
        throw Error(m_core.name + " cannot be modelled: " + backend + ": " + why);
    }
}

double LatencyModel::opSeconds(const KernelCost &k, const qsm::Model &model, const qsm::Op &op,
                               const std::vector<std::vector<uint32_t>> &shapes) const
{
    double bytes = double(qsm::ShapeInference::elements(shapes[op.output]));
    for (uint32_t in : op.inputs)
        bytes += double(qsm::ShapeInference::elements(shapes[in]));
    bytes *= k.activationBytes;
    double cycles = 0;
    if (op.kind == qsm::OpKind::Conv || op.kind == qsm::OpKind::Linear) {
        const auto &l = model.layers[op.layer];
        const KernelCost *depthwise = l.isDepthwise() ? depthwiseFor(k.backend) : nullptr;
        const KernelCost &loop = depthwise ? *depthwise : k;
        double macs = 0;
        if (depthwise) {
            const auto &out = shapes[op.output];
            macs = double(out[1]) * out[2] * roundUp(l.outChannels, loop.channels) *
                   l.kernelH * l.kernelW;
        } else {
            const auto work = gemmWork(k, l, op.kind, shapes[op.output]);
            macs = work.tiles() * k.rows * k.channels * work.depth;
        }
        cycles = macs / loop.macsPerIteration * loop.cyclesPerIteration;
        bytes += double(l.outChannels) * l.rowElements() * loop.weightBytes;
    }
    return cycles / (m_core.clockGHz * 1e9) + bytes / (m_core.bandwidthGBs * 1e9);
}

GemmWork LatencyModel::gemmWork(const KernelCost &k, const qsm::Layer &l, qsm::OpKind kind,
                                const std::vector<uint32_t> &out)
{
    GemmWork w;
    w.groups = l.groups;
    const double positions = kind == qsm::OpKind::Conv ? double(out[1]) * out[2] : 1.0;
    // Our runtime hands its kernels 64 output positions a task, each padded to the tile alone.
    const double task =
        k.backend == "lowbit" ? double(runtime::LowBitLayer::kRowsPerTask) : positions;
    w.rowTiles = std::floor(positions / task) * std::ceil(task / k.rows) +
                 std::ceil(std::fmod(positions, task) / k.rows);
    w.channelTiles = std::ceil(double(l.outChannels) / l.groups / k.channels);
    // The depth as the kernel walks it: our kernels take a whole kernel row of every channel
    // as one run (one tap at a time where groups or dilation break the row); XNNPACK's igemm
    // takes one tap at a time; each run rounded up to the kernel's k step.
    const bool wholeRows = k.backend == "lowbit" && l.groups == 1 && l.dilationW == 1;
    if (kind == qsm::OpKind::Linear)
        w.depth = roundUp(double(l.rowElements()), k.kStep);
    else if (wholeRows)
        w.depth = l.kernelH * roundUp(double(l.kernelW) * l.inChannels, k.kStep);
    else
        w.depth = double(l.kernelH) * l.kernelW * roundUp(l.inChannels, k.kStep);
    return w;
}

std::vector<ModelledBackend> LatencyModel::predict(const qsm::Model &model) const
{
    const auto shapes = qsm::ShapeInference::infer(model);
    std::vector<ModelledBackend> out;
    for (const auto &k : m_kernels) {
        if (k.weightBits || k.depthwise)
            continue; // a bit-serial or depthwise kernel: part of a backend, below
        ModelledBackend b{k.backend, k.kernel, {}, 0.0};
        const KernelCost *bitSerial = nullptr; // one that took a layer: named beside k
        for (const auto &op : model.ops) {
            double seconds = opSeconds(k, model, op, shapes);
            if (const KernelCost *alternative = k.backend == "lowbit" ? bitSerialFor(model, op)
                                                                      : nullptr) {
                const double serial = opSeconds(*alternative, model, op, shapes);
                if (serial < seconds) {
                    seconds = serial;
                    bitSerial = alternative;
                }
            }
            b.opSeconds.push_back(seconds);
            b.seconds += seconds;
        }
        if (bitSerial) // "neon-dot + neon-popcnt", without the widths ("neon-popcnt W2A2")
            b.kernel += " + " + bitSerial->kernel.substr(0, bitSerial->kernel.find(' '));
        out.push_back(std::move(b));
    }
    return out;
}

const KernelCost *LatencyModel::bitSerialFor(const qsm::Model &model, const qsm::Op &op) const
{
    if (op.kind != qsm::OpKind::Conv && op.kind != qsm::OpKind::Linear)
        return nullptr;
    const auto &l = model.layers[op.layer];
    if (!runtime::LowBitLayer::bitSerialServes(l))
        return nullptr;
    const int activationBits =
        runtime::BitPlaneGemm::activationPlanes(l.input.qmax - l.input.qmin);
    for (const auto &k : m_kernels)
        if (k.weightBits == int(l.bits) && k.activationBits == activationBits)
            return &k;
    return nullptr;
}

const KernelCost *LatencyModel::depthwiseFor(const std::string &backend) const
{
    if (backend == "fp32")
        return nullptr;
    for (const auto &k : m_kernels)
        if (k.depthwise)
            return &k;
    return nullptr;
}

} // namespace quantscope::deploy
