// SPDX-License-Identifier: MIT
#include "image_folder_reader.h"

#include "error.h"

#include <ATen/Parallel.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>

namespace fs = std::filesystem;

namespace quantscope::data {

namespace {

constexpr int kTestEvery = 5;

bool isImage(const fs::path &p)
{
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<fs::path> sortedEntries(const fs::path &dir, bool directories)
{
    std::vector<fs::path> out;
    for (const auto &e : fs::directory_iterator(dir))
        if (directories ? e.is_directory() : (e.is_regular_file() && isImage(e.path())))
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

bool hasImageSubfolder(const fs::path &dir)
{
    for (const auto &cls : sortedEntries(dir, true))
        if (!sortedEntries(cls, false).empty())
            return true;
    return false;
}

// The split's own folder when the dataset has train/ and test/ (or val/) folders.
fs::path splitRoot(const fs::path &root, Split split, bool &explicitSplit)
{
    const fs::path train = root / "train";
    fs::path test = root / "test";
    if (!fs::is_directory(test))
        test = root / "val";
    explicitSplit = fs::is_directory(train) && fs::is_directory(test);
    if (!explicitSplit)
        return root;
    return split == Split::Train ? train : test;
}

cv::Mat loadImage(const fs::path &path, const ImageFolderOptions &options)
{
    cv::Mat image = cv::imread(path.string(), options.channels == 1 ? cv::IMREAD_GRAYSCALE
                                                                    : cv::IMREAD_COLOR);
    if (image.empty())
        throw Error(path.string() + ": not a readable image");
    if (options.channels == 3)
        cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    const double scale = double(options.size) / std::min(image.rows, image.cols);
    cv::resize(image, image,
               cv::Size(std::max<int>(int(options.size), int(std::lround(image.cols * scale))),
                        std::max<int>(int(options.size), int(std::lround(image.rows * scale)))),
               0, 0, cv::INTER_AREA);
    const int x = (image.cols - int(options.size)) / 2;
    const int y = (image.rows - int(options.size)) / 2;
    return image(cv::Rect(x, y, int(options.size), int(options.size))).clone();
}

} // namespace

bool ImageFolderReader::looksLikeImageFolder(const std::string &dir)
{
    bool explicitSplit = false;
    const fs::path root = splitRoot(dir, Split::Train, explicitSplit);
    return hasImageSubfolder(root);
}

Dataset ImageFolderReader::read(const std::string &dir, Split split,
                                const ImageFolderOptions &options)
{
    if (options.size <= 0 || (options.channels != 1 && options.channels != 3))
        throw Error("image folder: size must be positive and channels 1 or 3");
    bool explicitSplit = false;
    const fs::path root = splitRoot(dir, split, explicitSplit);

    Dataset data;
    std::vector<fs::path> files;
    std::vector<int64_t> labels;
    for (const auto &cls : sortedEntries(root, true)) {
        const auto images = sortedEntries(cls, false);
        if (images.empty())
            continue;
        const auto label = static_cast<int64_t>(data.classNames.size());
        data.classNames.push_back(cls.filename().string());
        for (size_t i = 0; i < images.size(); ++i) {
            const bool testImage = i % kTestEvery == kTestEvery - 1;
            if (explicitSplit || testImage == (split == Split::Test)) {
                files.push_back(images[i]);
                labels.push_back(label);
            }
        }
    }
    const auto n = static_cast<int64_t>(files.size());
    const int64_t s = options.size;
    data.images = torch::empty({n, options.channels, s, s}, torch::kUInt8);
    data.labels = torch::tensor(labels, torch::kInt64);

    // Decoding dominates: spread it over the intra-op threads.
    std::string firstError;
    std::atomic<bool> failed{false};
    std::mutex errorMutex;
    at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end && !failed; ++i) {
            try {
                const cv::Mat image = loadImage(files[i], options);
                // HWC bytes → CHW slot of the batch.
                auto hwc = torch::from_blob(image.data, {s, s, options.channels}, torch::kUInt8);
                data.images[i].copy_(hwc.permute({2, 0, 1}));
            } catch (const std::exception &e) {
                std::lock_guard<std::mutex> lock(errorMutex);
                if (!failed.exchange(true))
                    firstError = e.what();
            }
        }
    });
    if (failed)
        throw Error(firstError);
    return data;
}

} // namespace quantscope::data
