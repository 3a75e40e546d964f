// SPDX-License-Identifier: MIT
// IdxReader: MNIST-style IDX files (train-/t10k- images and labels), gzipped or raw.
#pragma once

#include "dataset.h"

namespace quantscope::data {

class IdxReader
{
public:
    static bool looksLikeIdx(const std::string &dir);
    static Dataset read(const std::string &dir, Split split);
};

} // namespace quantscope::data
