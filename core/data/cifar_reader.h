// SPDX-License-Identifier: MIT
// CifarReader: the binary versions of CIFAR-10 (data_batch_N.bin, test_batch.bin) and CIFAR-100
// (train.bin, test.bin; fine labels).
#pragma once

#include "dataset.h"

namespace quantscope::data {

class CifarReader
{
public:
    static bool looksLikeCifar10(const std::string &dir);
    static bool looksLikeCifar100(const std::string &dir);
    static Dataset read(const std::string &dir, Split split, bool cifar100);
};

} // namespace quantscope::data
