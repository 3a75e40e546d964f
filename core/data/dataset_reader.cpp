// SPDX-License-Identifier: MIT
#include "dataset_reader.h"

#include "cifar_reader.h"
#include "error.h"
#include "idx_reader.h"
#include "image_folder_reader.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace quantscope::data {

std::string DatasetReader::detectFormat(const std::string &path)
{
    std::error_code ec;
    if (!fs::is_directory(path, ec))
        throw Error(path + ": not a directory (a dataset is a folder of IDX files, CIFAR batches "
                           "or one subfolder per class)");
    if (IdxReader::looksLikeIdx(path))
        return "idx";
    if (CifarReader::looksLikeCifar10(path))
        return "cifar10";
    if (CifarReader::looksLikeCifar100(path))
        return "cifar100";
    if (ImageFolderReader::looksLikeImageFolder(path))
        return "imagefolder";
    throw Error(path + ": not a dataset: expected *-images-idx3-ubyte[.gz] files (MNIST), "
                       "data_batch_*.bin / test_batch.bin (CIFAR-10), train.bin / test.bin "
                       "(CIFAR-100) or one subfolder of images per class");
}

Dataset DatasetReader::open(const std::string &path, Split split,
                            const ImageFolderOptions &imageOptions)
{
    const std::string format = detectFormat(path);
    Dataset data;
    if (format == "idx")
        data = IdxReader::read(path, split);
    else if (format == "cifar10")
        data = CifarReader::read(path, split, false);
    else if (format == "cifar100")
        data = CifarReader::read(path, split, true);
    else
        data = ImageFolderReader::read(path, split, imageOptions);
    if (format != "imagefolder" && imageOptions.sampleCount > 0 &&
        imageOptions.sampleCount < data.size()) {
        const auto keep = torch::tensor(Dataset::evenlySpaced(data.size(),
                                                              imageOptions.sampleCount));
        data.images = data.images.index_select(0, keep);
        data.labels = data.labels.index_select(0, keep);
    }
    data.path = path;
    data.format = format;
    if (data.size() == 0)
        throw Error(path + ": the " + std::string(split == Split::Train ? "train" : "test") +
                    " split holds no images");
    if (data.labels.min().item<int64_t>() < 0 ||
        data.labels.max().item<int64_t>() >= data.classCount())
        throw Error(path + ": a label lies outside the " + std::to_string(data.classCount()) +
                    " classes");
    return data;
}

} // namespace quantscope::data
