// SPDX-License-Identifier: MIT
// ImageFolderReader: one subfolder of PNG/JPEG images per class (torchvision's ImageFolder).
// With train/ and test/ (or val/) subfolders those are the splits; otherwise every fifth image
// of each class (in name order) is the test split.
#pragma once

#include "dataset.h"
#include "dataset_reader.h"

namespace quantscope::data {

class ImageFolderReader
{
public:
    static bool looksLikeImageFolder(const std::string &dir);
    // Images are resized (shorter side = size), centre-cropped to size×size, converted to grey
    // or RGB as options.channels says.
    static Dataset read(const std::string &dir, Split split, const ImageFolderOptions &options);
};

} // namespace quantscope::data
