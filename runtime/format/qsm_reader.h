// SPDX-License-Identifier: MIT
// QsmReader: the bytes of a .qsm file to a Model, validated — every length against the bytes
// left, every kind, bit-width, array size, value reference and shape — so a truncated,
// bit-flipped or hostile file is a one-line FormatError, never a crash or a huge allocation.
#pragma once

#include "qsm_model.h"

#include <string>

namespace quantscope::qsm {

class QsmReader
{
public:
    static Model parse(const uint8_t *data, size_t size);
    // Files larger than kMaxFileBytes are refused before they are read.
    static Model read(const std::string &path);

    static constexpr uint64_t kMaxFileBytes = uint64_t(1) << 30; // 1 GiB: 10× a float ResNet-50
};

} // namespace quantscope::qsm
