// SPDX-License-Identifier: MIT
#include "cifar_reader.h"

#include "error.h"

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace quantscope::data {

namespace {

constexpr int64_t kPixels = 3 * 32 * 32;

std::vector<std::string> readLines(const fs::path &path)
{
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            lines.push_back(line);
    return lines;
}

} // namespace

bool CifarReader::looksLikeCifar10(const std::string &dir)
{
    return fs::is_regular_file(fs::path(dir) / "test_batch.bin") ||
           fs::is_regular_file(fs::path(dir) / "data_batch_1.bin");
}

bool CifarReader::looksLikeCifar100(const std::string &dir)
{
    return fs::is_regular_file(fs::path(dir) / "train.bin") ||
           fs::is_regular_file(fs::path(dir) / "test.bin");
}

Dataset CifarReader::read(const std::string &dir, Split split, bool cifar100)
{
    std::vector<fs::path> files;
    if (cifar100)
        files.push_back(fs::path(dir) / (split == Split::Train ? "train.bin" : "test.bin"));
    else if (split == Split::Test)
        files.push_back(fs::path(dir) / "test_batch.bin");
    else
        for (int i = 1; i <= 5; ++i)
            files.push_back(fs::path(dir) / ("data_batch_" + std::to_string(i) + ".bin"));

    const int64_t labelBytes = cifar100 ? 2 : 1;
    const int64_t record = labelBytes + kPixels;
    std::vector<uint8_t> bytes;
    for (const auto &file : files) {
        std::error_code ec;
        const auto size = fs::file_size(file, ec);
        if (ec)
            throw Error(file.string() + ": missing CIFAR batch file");
        if (size % record != 0)
            throw Error(file.string() + ": size is not a whole number of CIFAR records");
        const size_t old = bytes.size();
        bytes.resize(old + size);
        std::ifstream in(file, std::ios::binary);
        if (!in.read(reinterpret_cast<char *>(bytes.data() + old), static_cast<long>(size)))
            throw Error(file.string() + ": read error");
    }
    const int64_t n = static_cast<int64_t>(bytes.size()) / record;
    if (n == 0)
        throw Error(files.front().string() + ": holds no CIFAR records");
    auto raw = torch::from_blob(bytes.data(), {n, record}, torch::kUInt8);
    Dataset data;
    data.images = raw.slice(1, labelBytes).reshape({n, 3, 32, 32}).clone();
    data.labels = raw.select(1, labelBytes - 1).to(torch::kInt64); // CIFAR-100: fine label
    const int64_t classes = cifar100 ? 100 : 10;
    // A label past the classes would index past the class names and the model's outputs.
    if (const int64_t top = data.labels.max().item<int64_t>(); top >= classes)
        throw Error(files.front().string() + ": label " + std::to_string(top) +
                    " in a dataset of " + std::to_string(classes) + " classes (not a CIFAR batch)");

    auto names = readLines(fs::path(dir) / (cifar100 ? "fine_label_names.txt" : "batches.meta.txt"));
    if (static_cast<int64_t>(names.size()) != classes) {
        names.clear();
        for (int64_t c = 0; c < classes; ++c)
            names.push_back(std::to_string(c));
    }
    data.classNames = names;
    return data;
}

} // namespace quantscope::data
