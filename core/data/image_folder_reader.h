// SPDX-License-Identifier: MIT
// ImageFolderReader: one subfolder of PNG/JPEG images per class (torchvision's ImageFolder).
// With train/ and test/ (or val/) subfolders those are the splits; otherwise every fifth image
// of each class (in name order) is the test split. Damaged images are skipped and counted.
#pragma once

#include "dataset.h"
#include "dataset_reader.h"

namespace quantscope::data {

// The sizes of a folder's images, read from their headers (both splits).
struct ImageFolderSurvey
{
    int64_t images = 0; // files whose header could be read
    int width = 0;      // of the first such image
    int height = 0;
    bool mixed = false; // some image differs from the first in size
};

class ImageFolderReader
{
public:
    static bool looksLikeImageFolder(const std::string &dir);
    static ImageFolderSurvey survey(const std::string &dir);
    // Images are brought to size×size as options.layout says, converted to grey or RGB as
    // options.channels says. Throws quantscope::Error only when no image of the split could be
    // read; the others that could not are listed in the result's unreadable fields.
    static Dataset read(const std::string &dir, Split split, const ImageFolderOptions &options);
};

} // namespace quantscope::data
