// SPDX-License-Identifier: MIT
#include "wide_depthwise.h"

#include "kernels/activation_coder.h"
#include "kernels/packed_gemm.h"

#include <algorithm>

namespace quantscope::runtime {

bool WideDepthwise::needed(const qsm::Layer &layer)
{
    return layer.kind == qsm::OpKind::Conv && layer.inChannels == 1 && layer.groups > 1 &&
           layer.outChannels == layer.groups && layer.kernelH * layer.kernelW > kXnnpackTaps;
}

WideDepthwise::WideDepthwise(const qsm::Layer &layer, const qsm::Shape &inShape,
                             const qsm::Shape &outShape, const std::vector<int8_t> &kernel,
                             const std::vector<float> &kernelScale, Codes in, Codes out,
                             float lo, float hi)
    : m_in(in), m_out(out), m_decoded(qsm::ShapeInference::elements(inShape)),
      m_computed(qsm::ShapeInference::elements(outShape))
{
    // The layer's geometry and bias; its weights the int8 kernel's, its input the int8 codes.
    m_layer = layer;
    m_layer.encoding = qsm::WeightEncoding::Uniform;
    m_layer.bits = 8;
    m_layer.scale = kernelScale;
    m_layer.zeroPoint.assign(layer.outChannels, 128.0f);
    m_layer.weights.clear();
    m_layer.codes.assign(size_t(layer.outChannels) * m_layer.rowBytes(), 0);
    const size_t row = m_layer.rowElements();
    for (size_t c = 0; c < layer.outChannels; ++c)
        for (size_t k = 0; k < row; ++k)
            m_layer.setCode(c, k, uint32_t(int32_t(kernel[c * row + k]) + 128));
    m_layer.input = {8, in.scale, float(in.zeroPoint), -128, 127};
    m_kernel = std::make_unique<LowBitLayer>(m_layer, inShape, outShape, PackedGemm::fastest());
    m_kernel->fuseClamp(lo, hi);
}

void WideDepthwise::run(const int8_t *in, int8_t *out, ThreadPool &pool)
{
    for (size_t k = 0; k < m_decoded.size(); ++k)
        m_decoded[k] = m_in.scale * float(int(in[k]) - m_in.zeroPoint);
    m_kernel->run(m_decoded.data(), m_computed.data(), pool);
    for (size_t k = 0; k < m_computed.size(); ++k) {
        const float q = ActivationCoder::roundToEven(m_computed[k] / m_out.scale) + m_out.zeroPoint;
        out[k] = int8_t(std::clamp(q, -128.0f, 127.0f));
    }
}

} // namespace quantscope::runtime
