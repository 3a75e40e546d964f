// SPDX-License-Identifier: MIT
#include "image_folder_reader.h"

#include "error.h"
#include "image_header.h"

#include <ATen/Parallel.h>
#if QUANTSCOPE_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

#include <algorithm>
#include <cmath>
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

#if QUANTSCOPE_WITH_OPENCV
// The fixed ratio of torchvision's ImageNet evaluation (resize 256, crop 224).
constexpr double kCropRatio = 0.875;
constexpr size_t kNamedUnreadable = 3;

// Bounds on what is decoded, so a small hostile file cannot claim gigabytes: 2^26 pixels (an
// 8192×8192 photograph) before decoding, and sides at most 64:1, whose shorter side brought to
// the crop size would make the longer one enormous. Such files count as unreadable.
constexpr int64_t kMaxPixels = int64_t(1) << 26;
constexpr int kMaxAspect = 64;

bool beyondAspect(int width, int height)
{
    return std::max(width, height) > kMaxAspect * std::min(width, height);
}

// Decodes one image and brings it to size×size; an empty Mat when the file cannot be read.
cv::Mat loadImage(const fs::path &path, const ImageFolderOptions &options)
{
    ImageHeader header;
    if (ImageHeader::read(path.string(), header) &&
        (int64_t(header.width) * header.height > kMaxPixels ||
         beyondAspect(header.width, header.height)))
        return {};
    cv::Mat image;
    try {
        if (ImageHeader::looksComplete(path.string()))
            image = cv::imread(path.string(), options.channels == 1 ? cv::IMREAD_GRAYSCALE
                                                                    : cv::IMREAD_COLOR);
    } catch (const cv::Exception &) {
        return {}; // a damaged file OpenCV's decoder refused loudly
    }
    if (image.empty() || beyondAspect(image.cols, image.rows))
        return {};
    if (options.channels == 3)
        cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    const int size = int(options.size);
    const int shorter = options.layout == ImageFolderOptions::Layout::Mixed
                            ? int(std::lround(size / kCropRatio))
                            : size;
    const double scale = double(shorter) / std::min(image.rows, image.cols);
    if (image.rows != shorter || image.cols != shorter)
        cv::resize(image, image,
                   cv::Size(std::max(size, int(std::lround(image.cols * scale))),
                            std::max(size, int(std::lround(image.rows * scale)))),
                   0, 0, cv::INTER_AREA);
    const int x = (image.cols - size) / 2;
    const int y = (image.rows - size) / 2;
    return image(cv::Rect(x, y, size, size)).clone();
}
#endif

// The class folders of both splits: what a survey of the whole dataset looks at.
std::vector<fs::path> allClassFolders(const fs::path &root)
{
    bool explicitSplit = false;
    std::vector<fs::path> folders;
    for (Split split : {Split::Train, Split::Test}) {
        const auto splitDir = splitRoot(root, split, explicitSplit);
        for (const auto &cls : sortedEntries(splitDir, true))
            folders.push_back(cls);
        if (!explicitSplit)
            break;
    }
    return folders;
}

} // namespace

bool ImageFolderReader::looksLikeImageFolder(const std::string &dir)
{
    bool explicitSplit = false;
    const fs::path root = splitRoot(dir, Split::Train, explicitSplit);
    return hasImageSubfolder(root);
}

ImageFolderSurvey ImageFolderReader::survey(const std::string &dir)
{
    ImageFolderSurvey survey;
    for (const auto &cls : allClassFolders(dir)) {
        for (const auto &file : sortedEntries(cls, false)) {
            ImageHeader header;
            if (!ImageHeader::read(file.string(), header))
                continue; // unreadable files are skipped (and named) when the split is read
            if (survey.images++ == 0) {
                survey.width = header.width;
                survey.height = header.height;
            } else if (header.width != survey.width || header.height != survey.height) {
                survey.mixed = true;
            }
        }
    }
    return survey;
}

Dataset ImageFolderReader::read(const std::string &dir, Split split,
                                const ImageFolderOptions &requested)
{
    if (requested.size <= 0 || (requested.channels != 1 && requested.channels != 3))
        throw Error("image folder: size must be positive and channels 1 or 3");
#if !QUANTSCOPE_WITH_OPENCV
    // A headless build may leave OpenCV out (CMakeLists.txt); everything else still works.
    (void)split;
    throw Error(dir + ": reading an image folder needs OpenCV, and this QuantScope was built "
                      "without it (reconfigure with OpenCV installed, or use IDX or CIFAR data)");
#else
    ImageFolderOptions options = requested;
    if (options.layout == ImageFolderOptions::Layout::Unknown)
        options.layout = survey(dir).mixed ? ImageFolderOptions::Layout::Mixed
                                           : ImageFolderOptions::Layout::Uniform;
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
    if (options.sampleCount > 0) {
        std::vector<fs::path> sampleFiles;
        std::vector<int64_t> sampleLabels;
        for (int64_t i : Dataset::evenlySpaced(int64_t(files.size()), options.sampleCount)) {
            sampleFiles.push_back(files[size_t(i)]);
            sampleLabels.push_back(labels[size_t(i)]);
        }
        files.swap(sampleFiles);
        labels.swap(sampleLabels);
    }
    const auto n = static_cast<int64_t>(files.size());
    const int64_t s = options.size;
    auto images = torch::empty({n, options.channels, s, s}, torch::kUInt8);
    std::vector<uint8_t> readable(static_cast<size_t>(n), 0);

    // Decoding dominates: spread it over the intra-op threads.
    at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const cv::Mat image = loadImage(files[size_t(i)], options);
            if (image.empty())
                continue;
            // HWC bytes → CHW slot of the batch.
            auto hwc = torch::from_blob(image.data, {s, s, options.channels}, torch::kUInt8);
            images[i].copy_(hwc.permute({2, 0, 1}));
            readable[size_t(i)] = 1;
        }
    });
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < n; ++i) {
        if (readable[size_t(i)]) {
            kept.push_back(i);
        } else if (data.unreadableCount++ < int64_t(kNamedUnreadable)) {
            data.unreadableFiles.push_back(
                fs::relative(files[size_t(i)], fs::path(dir)).generic_string());
        }
    }
    if (n > 0 && kept.empty())
        throw Error(dir + ": none of the " + std::to_string(n) + " images of the " +
                    (split == Split::Train ? "train" : "test") + " split could be read (" +
                    data.unreadableFiles.front() + " is the first)");
    const auto keep = torch::tensor(kept, torch::kInt64);
    data.images = int64_t(kept.size()) == n ? images : images.index_select(0, keep);
    data.labels = torch::tensor(labels, torch::kInt64).index_select(0, keep);
    return data;
#endif
}

} // namespace quantscope::data
