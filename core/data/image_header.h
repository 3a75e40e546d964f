// SPDX-License-Identifier: MIT
// ImageHeader: an image file's width and height read from its header (PNG, JPEG, BMP) without
// decoding it, so a whole folder's sizes can be surveyed before anything is decoded.
#pragma once

#include <string>

namespace quantscope::data {

struct ImageHeader
{
    int width = 0;
    int height = 0;

    // False when the file is missing, of another format or its header is damaged.
    static bool read(const std::string &path, ImageHeader &out);
    // False when a JPEG or PNG file lacks its end marker: libjpeg decodes a truncated file into
    // a partly grey picture with only a warning, so the cut has to be found here.
    static bool looksComplete(const std::string &path);
};

} // namespace quantscope::data
