// SPDX-License-Identifier: MIT
// ActivationCache: how BRECQ holds a unit's per-sample tensors (its inputs from the quantized
// and the float model, the float targets, the Fisher weights) for the whole calibration set.
// On ResNet-18 at 224×224 one such tensor is 822 MB in float (1 024 images of 64×56×56) and a
// unit holds five of them; one beyond kCompactBytes is kept in half precision instead, and every
// batch taken from it computes in float again. Half keeps 11 significant bits (a relative error
// of at most 2^-11), far below the 2- to 8-bit grids being fitted; a smaller tensor (the demo's
// are at most 51 MB) stays in float, bit for bit.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace quantscope::quant {

class ActivationCache
{
public:
    static constexpr int64_t kCompactBytes = int64_t(256) << 20;

    // values as the cache keeps them: rows of a tensor that will hold totalRows samples
    // (values.size(0) by default), in half precision when the whole would exceed kCompactBytes.
    static torch::Tensor store(const torch::Tensor &values, int64_t totalRows = -1);
    // cached rows ready to compute with: in float.
    static torch::Tensor load(const torch::Tensor &cached);
};

} // namespace quantscope::quant
