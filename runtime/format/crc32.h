// SPDX-License-Identifier: MIT
// Crc32: CRC-32 (IEEE 802.3, the polynomial zlib uses) of a byte range — the .qsm checksum that
// turns a bit flip anywhere in a file into a clear error instead of a wrong model.
#pragma once

#include <cstddef>
#include <cstdint>

namespace quantscope::qsm {

class Crc32
{
public:
    static uint32_t of(const uint8_t *data, size_t size);
};

} // namespace quantscope::qsm
