// SPDX-License-Identifier: MIT
// Dataset: labelled images held in memory as uint8 N×C×H×W, whatever format they came from.
// Kept as bytes (a quarter of float's memory); InputTransform makes float batches on demand.
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <string>
#include <vector>

namespace quantscope::data {

enum class Split { Train, Test };

struct Dataset
{
    std::string path;
    std::string format;                  // "idx", "cifar10", "cifar100", "imagefolder"
    torch::Tensor images;                // uint8 [N, C, H, W]
    torch::Tensor labels;                // int64 [N]
    std::vector<std::string> classNames; // index = label
    // Files that could not be decoded and were left out (ImageFolder): how many, and the first
    // few by path so a warning can name them.
    int64_t unreadableCount = 0;
    std::vector<std::string> unreadableFiles;

    int64_t size() const { return images.defined() ? images.size(0) : 0; }
    int64_t classCount() const { return static_cast<int64_t>(classNames.size()); }
    std::vector<int64_t> imageShape() const { return images.sizes().slice(1).vec(); }
    // The indices of `count` samples spread evenly over `n` (all of them when count is 0 or
    // not below n): the same images whichever reader took the subset.
    static std::vector<int64_t> evenlySpaced(int64_t n, int64_t count);
    // "3 unreadable images skipped: a/1.png, b/7.jpg, …" ("" when none was).
    std::string unreadableWarning() const;
};

} // namespace quantscope::data
