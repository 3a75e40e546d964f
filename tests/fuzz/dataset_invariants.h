// SPDX-License-Identifier: MIT
// What every consumer of a Dataset takes for granted, checked on whatever a reader returns:
// as many labels as images, and every label naming one of the classes (the class names and
// the model's outputs are indexed by it). A breach stops the harness like a crash.
#pragma once

#include "data/dataset.h"

namespace quantscope::fuzz {

inline void checkDataset(const data::Dataset &d)
{
    if (d.images.dim() != 4 || d.labels.dim() != 1 || d.images.size(0) != d.labels.size(0) ||
        d.images.size(0) == 0)
        __builtin_trap();
    if (d.labels.min().item<int64_t>() < 0 ||
        d.labels.max().item<int64_t>() >= int64_t(d.classNames.size()))
        __builtin_trap();
}

} // namespace quantscope::fuzz
