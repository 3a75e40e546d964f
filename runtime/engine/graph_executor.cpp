// SPDX-License-Identifier: MIT
#include "graph_executor.h"

#include "kernels/channels_last.h"
#include "kernels/reference/reference_kernels.h"

#include <algorithm>
#include <chrono>

namespace quantscope::runtime {

GraphExecutor::GraphExecutor(const qsm::Model &model, Backend backend, size_t threads)
    : m_model(model), m_channelsLast(backend == Backend::LowBit), m_pool(threads),
      m_shapes(qsm::ShapeInference::infer(model)), m_weights(model.layers.size()),
      m_lowBit(model.layers.size()), m_values(model.valueCount), m_opSeconds(model.ops.size())
{
    const auto kernel = PackedGemm::fastest();
    for (const auto &op : model.ops) {
        if (op.kind != qsm::OpKind::Conv && op.kind != qsm::OpKind::Linear)
            continue;
        const auto &layer = model.layers[op.layer];
        if (backend == Backend::LowBit && LowBitLayer::runsOnCodes(layer))
            m_lowBit[op.layer] = std::make_unique<LowBitLayer>(
                layer, m_shapes[op.inputs[0]], m_shapes[op.output], kernel);
        else
            m_weights[op.layer] = ReferenceKernels::dequantize(layer);
    }
    for (size_t v = 0; v < m_values.size(); ++v)
        if (!m_shapes[v].empty())
            m_values[v].resize(qsm::ShapeInference::elements(m_shapes[v]));
}

std::string GraphExecutor::kernelName() const
{
    for (const auto &layer : m_lowBit)
        if (layer)
            return layer->kernelName();
    return "";
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
    if (!channelsLast(id))
        return m_values[id];
    std::vector<float> out(m_values[id].size());
    ChannelsLast::toChannelsFirst(m_values[id].data(), m_shapes[id], out.data());
    return out;
}

void GraphExecutor::runFloatLayer(const qsm::Op &op)
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
    ReferenceKernels::layerFloat(m_model.layers[op.layer], m_weights[op.layer], x, m_shapes[in], y,
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
        const auto &inShape = m_shapes[op.inputs[0]];
        const float *in = m_values[op.inputs[0]].data();
        auto &out = m_values[op.output];
        const bool last = channelsLast(op.inputs[0]);
        switch (op.kind) {
        case qsm::OpKind::Conv:
        case qsm::OpKind::Linear: {
            if (const auto &lowBit = m_lowBit[op.layer])
                lowBit->run(in, out.data(), m_pool);
            else
                runFloatLayer(op);
            break;
        }
        case qsm::OpKind::Add:
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
        }
        m_opSeconds[i] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    if (!channelsLast(m_model.output))
        return m_values[m_model.output];
    m_output = value(m_model.output);
    return m_output;
}

} // namespace quantscope::runtime
