// SPDX-License-Identifier: MIT
// The fused element loops (LsqActivation, QuantGrid's fake quantizer, PowerErrorLoss) walk a
// tensor's storage as one flat array of numel() floats. Any layout whose elements fill their
// storage without gaps or overlaps allows that: channels-last as well as contiguous. BRECQ's
// units compute in channels-last on the CPU (UnitReconstructor), so these loops take such
// tensors as they are instead of copying each into the contiguous layout and the result back.
#pragma once

#include <torch/torch.h>

namespace quantscope::quant::dense_layout {

// t itself where its elements fill its storage densely, else a contiguous copy.
inline torch::Tensor flat(const torch::Tensor &t)
{
    return t.is_non_overlapping_and_dense() ? t : t.contiguous();
}

// t (shaped like like, which is flat) with like's strides, so that element i of one storage is
// element i of the other.
inline torch::Tensor stridedLike(const torch::Tensor &t, const torch::Tensor &like)
{
    return t.strides() == like.strides() ? t : torch::empty_like(like).copy_(t);
}

} // namespace quantscope::quant::dense_layout
