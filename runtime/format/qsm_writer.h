// SPDX-License-Identifier: MIT
// QsmWriter: a Model to the bytes of a .qsm file (README.md beside this file), checked by the
// same shape inference the reader applies, so no file written here is refused when read.
#pragma once

#include "qsm_model.h"

#include <string>
#include <vector>

namespace quantscope::qsm {

class QsmWriter
{
public:
    // Throws FormatError when the model is inconsistent.
    static std::vector<uint8_t> serialize(const Model &model);
    // Writes through a temporary file and a rename: a failed write leaves no half file behind.
    static void write(const Model &model, const std::string &path);
};

} // namespace quantscope::qsm
