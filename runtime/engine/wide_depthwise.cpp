// SPDX-License-Identifier: MIT
#include "wide_depthwise.h"

#include "kernels/packed_gemm.h"

namespace quantscope::runtime {

bool WideDepthwise::needed(const qsm::Layer &layer)
{
    return layer.isDepthwise() && layer.kernelH * layer.kernelW > kXnnpackTaps;
}

WideDepthwise::WideDepthwise(const qsm::Layer &layer, const qsm::Shape &inShape,
                             const qsm::Shape &outShape, const std::vector<int8_t> &kernel,
                             const std::vector<float> &kernelScale, float inScale,
                             int8_t inZeroPoint, float lo, float hi)
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
    m_layer.input = {8, inScale, float(inZeroPoint), -128, 127};
    m_kernel = std::make_unique<LowBitLayer>(m_layer, inShape, outShape, PackedGemm::fastest());
    m_kernel->fuseClamp(lo, hi);
}

void WideDepthwise::run(const float *in, float *out, ThreadPool &pool)
{
    m_kernel->run(in, out, pool);
}

} // namespace quantscope::runtime
