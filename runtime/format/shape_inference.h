// SPDX-License-Identifier: MIT
// ShapeInference: the shape of every value of a model (batch left out: [C, H, W] or [F]), op by
// op from the input — and the check that every op fits its inputs, so a model that passes can be
// run without another bounds check.
#pragma once

#include "qsm_model.h"

#include <vector>

namespace quantscope::qsm {

using Shape = std::vector<uint32_t>;

class ShapeInference
{
public:
    // No tensor may hold more elements than this (1 GiB of floats): a guard against hostile
    // files, far above any CNN input or feature map.
    static constexpr uint64_t kMaxElements = uint64_t(1) << 28;

    // Throws FormatError naming the op (by position and kind) that does not fit.
    static std::vector<Shape> infer(const Model &model);
    static uint64_t elements(const Shape &shape);
};

} // namespace quantscope::qsm
