// SPDX-License-Identifier: MIT
// DatasetReader: opens a dataset directory, telling IDX (MNIST/Fashion-MNIST), CIFAR-10/100
// binary batches and ImageFolder apart by their contents.
#pragma once

#include "dataset.h"

#include <string>

namespace quantscope::data {

struct ImageFolderOptions
{
    // How the folder's images are brought to size×size. Uniform (every image one size): shorter
    // side to size, centre crop — for square images a plain resize. Mixed: torchvision's
    // ImageNet evaluation convention, shorter side to size/0.875, centre crop. Unknown: the
    // reader surveys the folder itself.
    enum class Layout { Unknown, Uniform, Mixed };

    int64_t size = 224;   // side of the centre crop, pixels
    int64_t channels = 3; // 1 = grey, 3 = RGB
    Layout layout = Layout::Unknown;
    int64_t sampleCount = 0; // > 0: only an evenly spaced subset of this many images is decoded
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
