// SPDX-License-Identifier: MIT
// DatasetReader: opens a dataset directory, telling IDX (MNIST/Fashion-MNIST), CIFAR-10/100
// binary batches and ImageFolder apart by their contents.
#pragma once

#include "dataset.h"

#include <string>

namespace quantscope::data {

struct ImageFolderOptions
{
    int64_t size = 224;   // side of the centre crop, pixels
    int64_t channels = 3; // 1 = grey, 3 = RGB
};

class DatasetReader
{
public:
    // "idx", "cifar10", "cifar100" or "imagefolder"; throws quantscope::Error when the directory
    // holds none of them, saying what was expected.
    static std::string detectFormat(const std::string &path);

    static Dataset open(const std::string &path, Split split,
                        const ImageFolderOptions &imageOptions = {});
};

} // namespace quantscope::data
