// SPDX-License-Identifier: MIT
// ValueRanges: the range of every value of a model over fp32 runs of a few inputs — what the
// int8 baseline calibrates its per-tensor activation quantization from, as a user would with
// TFLite's converter and a handful of images.
#pragma once

#include "format/qsm_model.h"

#include <vector>

namespace quantscope::runtime {

struct ValueRange
{
    float min = 0, max = 0;
};

class ValueRanges
{
public:
    // Each value's range over fp32 runs of these inputs (normalised C×H×W images); {0, 0} for a
    // value no run keeps.
    static std::vector<ValueRange> calibrate(const qsm::Model &model,
                                             const std::vector<std::vector<float>> &inputs);
    // The ranges with every set of values that concats join widened to the set's, so they
    // share one quantization and a concat copies codes, as TFLite's converter arranges it.
    static std::vector<ValueRange> joinedByConcats(const qsm::Model &model,
                                                   const std::vector<ValueRange> &ranges);
};

} // namespace quantscope::runtime
