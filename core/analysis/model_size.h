// SPDX-License-Identifier: MIT
// ModelSize: storage and compute cost of a model at given per-layer bit-widths, and SQNR.
#pragma once

#include "model/layer_info.h"

#include <torch/torch.h>

#include <vector>

namespace quantscope::analysis {

struct SizeReport
{
    int64_t sizeBytes = 0;      // packed weights + per-channel scale/zero (2 × float32) + float biases
    int64_t floatSizeBytes = 0; // the same model in float32
    double averageWeightBits = 0;
    double bops = 0;            // Σ MACs × wbits × abits, per image (0 when shapes are unknown)
};

class ModelSize
{
public:
    // wbits per layer (fractional allowed, >= 32 means float); abits per layer (>= 32 float).
    static SizeReport compute(const std::vector<model::LayerInfo> &layers,
                              const std::vector<double> &wbits, const std::vector<double> &abits);

    // Signal-to-quantization-noise ratio 10·log10(‖w‖² / ‖w − ŵ‖²) in dB, capped at 300 dB
    // when the two are equal.
    static double sqnrDb(const torch::Tensor &reference, const torch::Tensor &quantized);
};

} // namespace quantscope::analysis
