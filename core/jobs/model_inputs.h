// SPDX-License-Identifier: MIT
// ModelInputs: fits a dataset to a model — image size and channels for ImageFolder decoding, the
// normalisation (flags, else the model's metadata, else none) — and checks the two agree.
#pragma once

#include "data/dataset.h"
#include "data/dataset_reader.h"
#include "data/input_transform.h"
#include "model/quant_graph.h"

#include <vector>

namespace quantscope::jobs {

struct InputOverrides
{
    std::vector<float> mean; // empty: from the model's metadata, else 0
    std::vector<float> std;  // empty: from the model's metadata, else 1
    // Side of the square images fed to the model, pixels; 0: the model's recorded input size
    // (else 224 for ImageFolder, the stored size for IDX and CIFAR). ImageFolder images are
    // decoded at this size; IDX and CIFAR images are resized to it.
    int64_t imageSize = 0;
};

class ModelInputs
{
public:
    static data::ImageFolderOptions imageOptions(const model::QuantGraph &graph,
                                                 const InputOverrides &overrides = {});
    static data::InputTransform transform(const model::QuantGraph &graph,
                                          const InputOverrides &overrides);
    // Opens the split, then checks the model runs on its images (probing the model's input
    // shape when the model does not record one or the size is overridden). Throws
    // quantscope::Error naming both shapes.
    static data::Dataset open(model::QuantGraph &graph, const std::string &dataPath,
                              data::Split split, const InputOverrides &overrides = {});
};

} // namespace quantscope::jobs
