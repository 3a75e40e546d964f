// SPDX-License-Identifier: MIT
#include "idx_reader.h"

#include "error.h"

#include <zlib.h>

#include <array>
#include <filesystem>
#include <memory>
#include <vector>

namespace fs = std::filesystem;

namespace quantscope::data {

namespace {

const std::array<const char *, 10> kFashionClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// The file as given, or with .gz; "" when neither exists.
std::string findFile(const std::string &dir, const std::string &stem)
{
    for (const std::string &name : {stem, stem + ".gz"}) {
        const auto p = fs::path(dir) / name;
        if (fs::is_regular_file(p))
            return p.string();
    }
    return {};
}

// gzread reads plain files unchanged, so one reader serves .gz and raw IDX alike.
class IdxFile
{
public:
    explicit IdxFile(const std::string &path) : m_path(path), m_file(gzopen(path.c_str(), "rb"))
    {
        if (!m_file)
            throw Error(path + ": cannot open");
    }
    ~IdxFile() { gzclose(m_file); }

    uint32_t readBigEndian()
    {
        unsigned char b[4];
        readExactly(b, 4);
        return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
    }

    // `bytes` bytes into a buffer that grows as they arrive: a header may claim any size, and
    // a gzipped file's size says nothing about it, so nothing is allocated before it is read.
    std::vector<uint8_t> readAll(size_t bytes)
    {
        constexpr size_t kChunk = size_t(64) << 20;
        std::vector<uint8_t> out;
        while (out.size() < bytes) {
            const size_t old = out.size(), n = std::min(kChunk, bytes - old);
            out.resize(old + n);
            readExactly(out.data() + old, n);
        }
        return out;
    }

    void readExactly(void *dst, size_t bytes)
    {
        auto *out = static_cast<unsigned char *>(dst);
        while (bytes > 0) {
            const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes, 1u << 30));
            const int got = gzread(m_file, out, chunk);
            if (got <= 0)
                throw Error(m_path + ": truncated IDX file");
            out += got;
            bytes -= static_cast<size_t>(got);
        }
    }

private:
    std::string m_path;
    gzFile m_file;
};

} // namespace

bool IdxReader::looksLikeIdx(const std::string &dir)
{
    return !findFile(dir, "train-images-idx3-ubyte").empty() ||
           !findFile(dir, "t10k-images-idx3-ubyte").empty();
}

Dataset IdxReader::read(const std::string &dir, Split split)
{
    const std::string prefix = split == Split::Train ? "train" : "t10k";
    const std::string imagesPath = findFile(dir, prefix + "-images-idx3-ubyte");
    const std::string labelsPath = findFile(dir, prefix + "-labels-idx1-ubyte");
    if (imagesPath.empty() || labelsPath.empty())
        throw Error(dir + ": missing " + prefix + "-images-idx3-ubyte or " + prefix +
                    "-labels-idx1-ubyte (.gz)");

    IdxFile images(imagesPath);
    if (images.readBigEndian() != 0x803)
        throw Error(imagesPath + ": not an IDX image file (bad magic number)");
    const int64_t n = images.readBigEndian();
    const int64_t rows = images.readBigEndian();
    const int64_t cols = images.readBigEndian();
    if (n <= 0 || rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096 || n > (1 << 26))
        throw Error(imagesPath + ": implausible IDX dimensions");

    IdxFile labels(labelsPath);
    if (labels.readBigEndian() != 0x801)
        throw Error(labelsPath + ": not an IDX label file (bad magic number)");
    if (static_cast<int64_t>(labels.readBigEndian()) != n)
        throw Error(labelsPath + ": holds a different number of labels than " + imagesPath);

    auto pixels = images.readAll(static_cast<size_t>(n * rows * cols));
    auto labelBytes = labels.readAll(static_cast<size_t>(n));
    Dataset data;
    data.images = torch::from_blob(pixels.data(), {n, 1, rows, cols}, torch::kUInt8).clone();
    data.labels = torch::from_blob(labelBytes.data(), {n}, torch::kUInt8).to(torch::kInt64);

    const int64_t classes = data.labels.max().item<int64_t>() + 1;
    const bool fashion = fs::path(dir).lexically_normal().string().find("fashion") !=
                         std::string::npos;
    for (int64_t c = 0; c < classes; ++c)
        data.classNames.push_back(fashion && c < 10 ? kFashionClasses[c] : std::to_string(c));
    return data;
}

} // namespace quantscope::data
