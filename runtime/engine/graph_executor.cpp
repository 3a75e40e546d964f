// SPDX-License-Identifier: MIT
#include "graph_executor.h"

#include "kernels/channels_last.h"
#include "kernels/reference/reference_kernels.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>

namespace quantscope::runtime {

namespace {
constexpr float kInfinity = std::numeric_limits<float>::infinity();
}

GraphExecutor::GraphExecutor(const qsm::Model &model, Backend backend, size_t threads,
                             bool keepEveryValue)
    : m_model(model), m_lowBitBackend(backend == Backend::LowBit), m_pool(threads),
      m_shapes(qsm::ShapeInference::infer(model)), m_weights(model.layers.size()),
      m_lowBit(model.layers.size()), m_keepEveryValue(keepEveryValue),
      m_values(model.valueCount), m_codedAs(model.valueCount), m_opSeconds(model.ops.size())
{
    const auto kernel = PackedGemm::fastest();
    const auto bitPlaneKernels = BitPlaneGemm::available();
    const BitPlaneKernelChoice *bitPlane =
        BitPlaneGemm::fast() ? &bitPlaneKernels.back() : nullptr;
    for (const auto &op : model.ops) {
        if (op.kind != qsm::OpKind::Conv && op.kind != qsm::OpKind::Linear)
            continue;
        const auto &layer = model.layers[op.layer];
        if (backend == Backend::LowBit && LowBitLayer::runsOnCodes(layer)) {
            m_lowBit[op.layer] = std::make_unique<LowBitLayer>(
                layer, m_shapes[op.inputs[0]], m_shapes[op.output], kernel, bitPlane);
        } else {
            m_weights[op.layer] = ReferenceKernels::dequantize(layer);
        }
    }
    for (const auto &op : model.ops)
        m_channelSources.push_back(op.sourceChannels(m_shapes[op.inputs[0]][0]));
    m_clampOf.resize(model.ops.size());
    m_fusedAway.assign(model.ops.size(), false);
    for (size_t i = 0; i < m_clampOf.size(); ++i)
        m_clampOf[i] = i;
    if (backend == Backend::LowBit)
        fuseClamps();
    if (backend == Backend::LowBit && !keepEveryValue)
        codeMaps();
    std::vector<bool> unwritten(m_values.size(), false); // the inputs of fused clamps
    for (size_t i = 0; i < m_fusedAway.size(); ++i)
        if (m_fusedAway[i])
            unwritten[model.ops[i].inputs[0]] = true;
    std::vector<size_t> elements(m_values.size(), 0);
    for (size_t v = 0; v < m_values.size(); ++v)
        if (!m_shapes[v].empty() && !unwritten[v]) {
            const size_t count = qsm::ShapeInference::elements(m_shapes[v]);
            elements[v] = m_codedAs[v] ? (count + sizeof(float) - 1) / sizeof(float) : count;
        }
    placeValues(elements);
    if (backend == Backend::LowBit)
        chooseKernels();
}

void GraphExecutor::placeValues(const std::vector<size_t> &elements)
{
    // Where a value is read last (ops in order; a fused clamp's reads are its producer's).
    std::vector<size_t> lastRead(m_values.size(), 0);
    for (size_t i = 0; i < m_model.ops.size(); ++i)
        if (!m_fusedAway[i])
            for (uint32_t v : m_model.ops[i].inputs)
                lastRead[v] = i;
    lastRead[m_model.output] = m_model.ops.size(); // never given up
    std::vector<size_t> bufferOf(m_values.size(), 0), sizes;
    std::vector<bool> free;
    const auto take = [&](size_t v) {
        size_t best = sizes.size(); // the smallest free buffer that holds v, else a new one
        for (size_t b = 0; b < sizes.size() && !m_keepEveryValue; ++b)
            if (free[b] && sizes[b] >= elements[v] &&
                (best == sizes.size() || sizes[b] < sizes[best]))
                best = b;
        if (best == sizes.size()) {
            sizes.push_back(elements[v]);
            free.push_back(false);
        }
        free[best] = false;
        bufferOf[v] = best;
    };
    take(0);
    for (size_t i = 0; i < m_model.ops.size(); ++i) {
        if (m_fusedAway[i])
            continue;
        const uint32_t written = m_model.ops[m_clampOf[i]].output;
        if (elements[written])
            take(written);
        // An op's inputs are given up after its output is placed: no kernel works in place.
        for (uint32_t v : m_model.ops[i].inputs)
            if (lastRead[v] == i && elements[v])
                free[bufferOf[v]] = true;
    }
    m_buffers.clear();
    for (size_t size : sizes)
        m_buffers.emplace_back(size);
    for (size_t v = 0; v < m_values.size(); ++v)
        if (elements[v])
            m_values[v] = {m_buffers[bufferOf[v]].data(), elements[v]};
}

void GraphExecutor::fuseClamps()
{
    // A clamp whose input is read by nothing else is applied where that input is written:
    // by a low-bit layer's epilogue or in the add's or an affine's own loop — one pass over
    // memory less.
    std::vector<size_t> readers(m_model.valueCount, 0), producer(m_model.valueCount, 0);
    for (size_t i = 0; i < m_model.ops.size(); ++i) {
        for (uint32_t v : m_model.ops[i].inputs)
            ++readers[v];
        producer[m_model.ops[i].output] = i;
    }
    for (size_t i = 0; i < m_model.ops.size(); ++i) {
        const auto &clamp = m_model.ops[i];
        const uint32_t v = clamp.inputs.empty() ? 0 : clamp.inputs[0];
        if (clamp.kind != qsm::OpKind::Clamp || v == 0 || readers[v] != 1 || v == m_model.output)
            continue;
        const auto &op = m_model.ops[producer[v]];
        const bool lowBitLayer = (op.kind == qsm::OpKind::Conv || op.kind == qsm::OpKind::Linear) &&
                                 m_lowBit[op.layer];
        if (!lowBitLayer && op.kind != qsm::OpKind::Add && op.kind != qsm::OpKind::ChannelAffine &&
            op.kind != qsm::OpKind::GroupNorm)
            continue;
        if (lowBitLayer)
            m_lowBit[op.layer]->fuseClamp(clamp.lo, clamp.hi);
        m_clampOf[producer[v]] = i;
        m_fusedAway[i] = true;
    }
}

void GraphExecutor::codeMaps()
{
    const auto lowBitLayer = [&](const qsm::Op &op) {
        return (op.kind == qsm::OpKind::Conv || op.kind == qsm::OpKind::Linear) &&
               m_lowBit[op.layer];
    };
    std::vector<std::vector<size_t>> readers(m_values.size());
    for (size_t i = 0; i < m_model.ops.size(); ++i)
        if (!m_fusedAway[i])
            for (uint32_t v : m_model.ops[i].inputs)
                readers[v].push_back(i);
    for (size_t i = 0; i < m_model.ops.size(); ++i) {
        const uint32_t v = m_model.ops[m_clampOf[i]].output;
        if (m_fusedAway[i] || !lowBitLayer(m_model.ops[i]) || v == m_model.output ||
            readers[v].empty())
            continue;
        const auto coderOf = [&](size_t reader) {
            return ActivationCoder(m_model.layers[m_model.ops[reader].layer].input);
        };
        const ActivationCoder coder = coderOf(readers[v][0]);
        const bool alike = std::all_of(readers[v].begin(), readers[v].end(), [&](size_t r) {
            return lowBitLayer(m_model.ops[r]) && coderOf(r) == coder;
        });
        if (alike)
            m_codedAs[v] = coder;
    }
}

void GraphExecutor::chooseKernels()
{
    std::vector<size_t> layers, served; // ops of low-bit layers; those that can run bit-serially
    for (size_t i = 0; i < m_model.ops.size(); ++i) {
        const auto &op = m_model.ops[i];
        const bool layerOp = op.kind == qsm::OpKind::Conv || op.kind == qsm::OpKind::Linear;
        if (layerOp && m_lowBit[op.layer] && !m_fusedAway[i])
            layers.push_back(i);
        if (layerOp && m_lowBit[op.layer] && m_lowBit[op.layer]->servesBitSerial())
            served.push_back(i);
    }
    // Per op, the best of three runs of a zero image (the kernels' time does not depend on the
    // values) with `choose` applied to the layers of `ops`.
    const std::vector<float> image(m_values[0].size(), 0.0f);
    const auto opTimes = [&](const std::vector<size_t> &ops,
                             const std::function<void(LowBitLayer &)> &choose) {
        for (size_t i : ops)
            choose(*m_lowBit[m_model.ops[i].layer]);
        std::vector<double> best(m_model.ops.size(), 1e30);
        for (int repeat = 0; repeat < 3; ++repeat) {
            run(image.data());
            for (size_t i = 0; i < best.size(); ++i)
                best[i] = std::min(best[i], m_opSeconds[i]);
        }
        return best;
    };
    if (!served.empty()) {
        const auto bitSerial = opTimes(served, [](LowBitLayer &l) { l.useBitSerial(true); });
        const auto gemm = opTimes(served, [](LowBitLayer &l) { l.useBitSerial(false); });
        for (size_t i : served)
            m_lowBit[m_model.ops[i].layer]->useBitSerial(bitSerial[i] < gemm[i]);
    }
    // Then each layer on every thread or on the calling thread alone: handing a small layer's
    // tasks to the other threads and waiting for them can take longer than its work (ResNet-8
    // at 28×28 took twice its one-thread time on two).
    if (m_pool.threads() > 1 && !layers.empty()) {
        const auto all = opTimes(layers, [](LowBitLayer &l) { l.useAllThreads(true); });
        const auto one = opTimes(layers, [](LowBitLayer &l) { l.useAllThreads(false); });
        for (size_t i : layers)
            m_lowBit[m_model.ops[i].layer]->useAllThreads(all[i] <= one[i]);
    }
}

std::string GraphExecutor::kernelName() const
{
    std::vector<std::string> names; // each kernel the layers run on, once, in layer order
    for (const auto &layer : m_lowBit)
        if (layer && std::find(names.begin(), names.end(), layer->kernelName()) == names.end())
            names.push_back(layer->kernelName());
    std::string joined;
    for (const auto &name : names)
        joined += (joined.empty() ? "" : " ") + name;
    return joined;
}

Backend GraphExecutor::backendNamed(const std::string &name)
{
    if (name == "fp32")
        return Backend::Fp32;
    if (name == "lowbit")
        return Backend::LowBit;
    throw qsm::FormatError("unknown backend '" + name + "' (fp32 or lowbit)");
}

std::vector<float> GraphExecutor::normalise(const std::vector<float> &pixels) const
{
    std::vector<float> x(pixels);
    const size_t plane = size_t(m_model.height) * m_model.width;
    for (size_t i = 0; i < x.size(); ++i) {
        const size_t c = std::min(i / plane, size_t(m_model.channels) - 1);
        const float mean = m_model.mean.empty() ? 0.0f : m_model.mean[std::min(c, m_model.mean.size() - 1)];
        const float std = m_model.std.empty() ? 1.0f : m_model.std[std::min(c, m_model.std.size() - 1)];
        x[i] = (x[i] - mean) / std;
    }
    return x;
}

std::vector<float> GraphExecutor::value(size_t id) const
{
    if (m_values[id].empty() || (!m_keepEveryValue && id != m_model.output))
        return {};
    if (!channelsLast(id))
        return {m_values[id].begin(), m_values[id].end()};
    std::vector<float> out(m_values[id].size());
    ChannelsLast::toChannelsFirst(m_values[id].data(), m_shapes[id], out.data());
    return out;
}

void GraphExecutor::runReferenceLayer(const qsm::Op &op)
{
    const size_t in = op.inputs[0], out = op.output;
    const float *x = m_values[in].data();
    if (channelsLast(in)) {
        m_inScratch.resize(m_values[in].size());
        ChannelsLast::toChannelsFirst(x, m_shapes[in], m_inScratch.data());
        x = m_inScratch.data();
    }
    float *y = m_values[out].data();
    if (channelsLast(out)) {
        m_outScratch.resize(m_values[out].size());
        y = m_outScratch.data();
    }
    const auto &layer = m_model.layers[op.layer];
    if (m_lowBitBackend && layer.input.bits > 0)
        ReferenceKernels::layerQuantized(layer, x, m_shapes[in], y, m_shapes[out]);
    else
        ReferenceKernels::layerFloat(layer, m_weights[op.layer], x, m_shapes[in], y,
                                     m_shapes[out]);
    if (channelsLast(out))
        ChannelsLast::fromChannelsFirst(y, m_shapes[out], m_values[out].data());
}

const std::vector<float> &GraphExecutor::run(const float *input)
{
    if (channelsLast(0))
        ChannelsLast::fromChannelsFirst(input, m_shapes[0], m_values[0].data());
    else
        std::copy(input, input + m_values[0].size(), m_values[0].begin());
    for (size_t i = 0; i < m_model.ops.size(); ++i) {
        const auto started = std::chrono::steady_clock::now();
        const auto &op = m_model.ops[i];
        if (m_fusedAway[i]) { // done by the op that wrote its input
            m_opSeconds[i] = 0;
            continue;
        }
        const auto &inShape = m_shapes[op.inputs[0]];
        const float *in = m_values[op.inputs[0]].data();
        const auto &clamp = m_model.ops[m_clampOf[i]]; // the op itself when no clamp is fused
        auto &out = m_values[clamp.output];
        const bool last = channelsLast(op.inputs[0]);
        switch (op.kind) {
        case qsm::OpKind::Conv:
        case qsm::OpKind::Linear: {
            if (const auto &lowBit = m_lowBit[op.layer]) {
                const uint32_t from = op.inputs[0], to = clamp.output;
                const LayerInput x = m_codedAs[from] ? LayerInput{nullptr, codes(from)}
                                                     : LayerInput{in, nullptr};
                const LayerOutput y = m_codedAs[to]
                                          ? LayerOutput{nullptr, codes(to), *m_codedAs[to]}
                                          : LayerOutput{out.data(), nullptr, {}};
                lowBit->run(x, y, m_pool);
            } else
                runReferenceLayer(op);
            break;
        }
        case qsm::OpKind::Add:
            if (m_clampOf[i] != i)
                ReferenceKernels::addClamped(in, m_values[op.inputs[1]].data(), out.data(),
                                             out.size(), clamp.lo, clamp.hi);
            else
                ReferenceKernels::add(in, m_values[op.inputs[1]].data(), out.data(), out.size());
            break;
        case qsm::OpKind::Clamp:
            ReferenceKernels::clamp(in, out.data(), out.size(), op.lo, op.hi);
            break;
        case qsm::OpKind::MaxPool:
        case qsm::OpKind::AvgPool:
            if (last)
                ChannelsLast::pool(op, in, inShape, out.data(), m_shapes[op.output]);
            else
                ReferenceKernels::pool(op, in, inShape, out.data(), m_shapes[op.output]);
            break;
        case qsm::OpKind::GlobalAvgPool:
            if (last)
                ChannelsLast::globalAveragePool(in, inShape, out.data());
            else
                ReferenceKernels::globalAveragePool(in, inShape, out.data());
            break;
        case qsm::OpKind::Flatten:
            // Flattening is defined on C×H×W order: a channels-last map is put back first.
            if (last && !channelsLast(op.output))
                ChannelsLast::toChannelsFirst(in, inShape, out.data());
            else
                std::copy(in, in + out.size(), out.begin());
            break;
        case qsm::OpKind::Activation:
            ReferenceKernels::activation(op.function, in, out.data(), out.size());
            break;
        case qsm::OpKind::Softmax: // of a vector
            ReferenceKernels::softmax(in, out.size(), op.log != 0, out.data());
            break;
        case qsm::OpKind::Pad:
            if (last)
                ChannelsLast::pad(op, in, inShape, out.data(), 0.0f);
            else
                ReferenceKernels::pad(op, in, inShape, out.data());
            break;
        case qsm::OpKind::PRelu: // one slope: the same in either layout
            if (last && op.slopes.size() > 1)
                ChannelsLast::prelu(op, in, inShape, out.data());
            else
                ReferenceKernels::prelu(op, in, inShape, out.data());
            break;
        case qsm::OpKind::Mul: {
            const auto &otherShape = m_shapes[op.inputs[1]];
            const float *other = m_values[op.inputs[1]].data();
            if (last && otherShape != inShape)
                ChannelsLast::mul(in, inShape, other, otherShape, out.data());
            else
                ReferenceKernels::mul(in, inShape, other, otherShape, out.data());
            break;
        }
        case qsm::OpKind::ChannelAffine:
        case qsm::OpKind::GroupNorm: { // a group norm: this image's channel affine
            const float lo = m_clampOf[i] != i ? clamp.lo : -kInfinity;
            const float hi = m_clampOf[i] != i ? clamp.hi : kInfinity;
            const bool norm = op.kind == qsm::OpKind::GroupNorm;
            if (norm)
                ReferenceKernels::groupNormAffine(op, in, inShape, last, m_norm);
            const auto &affine = norm ? m_norm.affine : op;
            if (last)
                ChannelsLast::channelAffine(affine, in, inShape, out.data(), lo, hi);
            else
                ReferenceKernels::channelAffine(affine, in, inShape, out.data(), lo, hi);
            break;
        }
        case qsm::OpKind::LayerNorm:
            ReferenceKernels::layerNorm(op, in, inShape, last, m_norm, out.data());
            break;
        case qsm::OpKind::Resize:
            ReferenceKernels::resize(op, in, inShape, last, out.data());
            break;
        case qsm::OpKind::Concat: {
            std::vector<const float *> ins;
            std::vector<qsm::Shape> inShapes;
            for (uint32_t v : op.inputs) {
                ins.push_back(m_values[v].data());
                inShapes.push_back(m_shapes[v]);
            }
            if (last)
                ChannelsLast::concat(ins, inShapes, out.data());
            else
                ReferenceKernels::concat(ins, inShapes, out.data());
            break;
        }
        case qsm::OpKind::ChannelSlice:
        case qsm::OpKind::ChannelShuffle:
            if (!last)
                ReferenceKernels::gatherChannels(in, inShape, m_channelSources[i], out.data());
            else if (op.kind == qsm::OpKind::ChannelSlice)
                ChannelsLast::channelSlice(op, in, inShape, out.data());
            else
                ChannelsLast::channelShuffle(op, in, inShape, out.data());
            break;
        }
        m_opSeconds[i] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    m_output = value(m_model.output);
    return m_output;
}

} // namespace quantscope::runtime
