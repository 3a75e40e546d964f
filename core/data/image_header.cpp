// SPDX-License-Identifier: MIT
#include "image_header.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace quantscope::data {

namespace {

uint32_t bigEndian(const uint8_t *p, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = v << 8 | p[i];
    return v;
}

uint32_t littleEndian(const uint8_t *p, int bytes)
{
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

bool isJpeg(const uint8_t *p) { return p[0] == 0xFF && p[1] == 0xD8; }

// Walks the JPEG segments up to the first start-of-frame marker, which holds the size.
bool readJpeg(std::ifstream &in, ImageHeader &out)
{
    in.seekg(2);
    for (int segments = 0; segments < 4096; ++segments) {
        std::array<uint8_t, 4> marker{};
        if (!in.read(reinterpret_cast<char *>(marker.data()), 2) || marker[0] != 0xFF)
            return false;
        while (marker[1] == 0xFF) // fill bytes
            if (!in.read(reinterpret_cast<char *>(&marker[1]), 1))
                return false;
        const uint8_t type = marker[1];
        if (type == 0xD8 || type == 0x01 || (type >= 0xD0 && type <= 0xD7))
            continue; // markers without a length
        if (!in.read(reinterpret_cast<char *>(marker.data() + 2), 2))
            return false;
        const uint32_t length = bigEndian(marker.data() + 2, 2);
        if (length < 2)
            return false;
        const bool startOfFrame = type >= 0xC0 && type <= 0xCF && type != 0xC4 && type != 0xC8 &&
                                  type != 0xCC;
        if (startOfFrame) {
            std::array<uint8_t, 5> frame{};
            if (!in.read(reinterpret_cast<char *>(frame.data()), 5))
                return false;
            out.height = int(bigEndian(frame.data() + 1, 2));
            out.width = int(bigEndian(frame.data() + 3, 2));
            return out.width > 0 && out.height > 0;
        }
        in.seekg(length - 2, std::ios::cur);
    }
    return false;
}

} // namespace

bool ImageHeader::read(const std::string &path, ImageHeader &out)
{
    std::ifstream in(path, std::ios::binary);
    std::array<uint8_t, 26> head{};
    if (!in.read(reinterpret_cast<char *>(head.data()), head.size()))
        return false;
    static constexpr uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (std::equal(kPng, kPng + 8, head.begin())) {
        // The IHDR chunk comes first: length, "IHDR", width, height.
        out.width = int(bigEndian(head.data() + 16, 4));
        out.height = int(bigEndian(head.data() + 20, 4));
        return out.width > 0 && out.height > 0;
    }
    if (head[0] == 'B' && head[1] == 'M') {
        out.width = int(int32_t(littleEndian(head.data() + 18, 4)));
        // A negative height marks a top-down bitmap.
        out.height = std::abs(int(int32_t(littleEndian(head.data() + 22, 4))));
        return out.width > 0 && out.height > 0;
    }
    if (isJpeg(head.data()))
        return readJpeg(in, out);
    return false;
}

bool ImageHeader::looksComplete(const std::string &path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    const std::streamoff size = in.tellg();
    std::array<uint8_t, 8> head{};
    in.seekg(0);
    if (!in || size < 8 || !in.read(reinterpret_cast<char *>(head.data()), 8))
        return false;
    static constexpr uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    const bool png = std::equal(kPng, kPng + 8, head.begin());
    if (!png && !isJpeg(head.data()))
        return true; // BMP and others: the decoders fail on a cut file by themselves
    if (png) {
        // Chunk by chunk up to IEND, each within the file: libpng allocates what a chunk's
        // length claims before reading it (a 600-byte file claimed a 1.9 GB text chunk), and
        // prints its error for a cut file to stderr before failing.
        std::streamoff at = 8;
        std::array<uint8_t, 8> chunk{};
        while (in.seekg(at) && in.read(reinterpret_cast<char *>(chunk.data()), 8)) {
            const uint32_t length = uint32_t(chunk[0]) << 24 | uint32_t(chunk[1]) << 16 |
                                    uint32_t(chunk[2]) << 8 | chunk[3];
            if (length > 0x7FFFFFFFu || at + 12 + std::streamoff(length) > size)
                return false;
            if (std::equal(chunk.begin() + 4, chunk.end(), "IEND"))
                return true;
            at += 12 + std::streamoff(length);
        }
        return false;
    }
    // JPEG's end marker FF D9 must be in the last bytes (some encoders pad after it): libjpeg
    // decodes a cut file with only a warning.
    const std::streamoff tail = std::min<std::streamoff>(size, 64);
    std::vector<uint8_t> end(static_cast<size_t>(tail));
    in.seekg(size - tail);
    if (!in.read(reinterpret_cast<char *>(end.data()), tail))
        return false;
    for (size_t i = 0; i + 3 < end.size(); ++i)
        if (end[i] == 0xFF && end[i + 1] == 0xD9)
            return true;
    return end.size() >= 2 && end[end.size() - 2] == 0xFF && end.back() == 0xD9;
}

} // namespace quantscope::data
