// SPDX-License-Identifier: MIT
// ModelInputs: fits a dataset to a model and says how — the image size (yours, else the model's,
// else the images' own), the normalisation (yours, else the model's metadata, else computed on
// training images) and what was skipped — so a wrong input never passes silently.
#pragma once

#include "data/dataset.h"
#include "data/dataset_reader.h"
#include "data/input_transform.h"
#include "model/quant_graph.h"

#include <optional>
#include <string>
#include <vector>

namespace quantscope::jobs {

struct InputOverrides
{
    std::vector<float> mean; // empty: from the model's metadata, else computed
    std::vector<float> std;  // empty: from the model's metadata, else computed
    // Side of the square images fed to the model, pixels; 0: the model's recorded input size,
    // else the images' own (an ImageFolder of mixed sizes: 224). ImageFolder images are
    // decoded at this size; IDX and CIFAR images are resized to it.
    int64_t imageSize = 0;
};

class ModelInputs
{
public:
    // Training images the normalisation is computed on when nobody gives it.
    static constexpr int64_t kStatisticsImages = 1024;

    // Decides the image size; for an ImageFolder that means reading every image's header.
    // Throws quantscope::Error for a size out of range or a folder that is not a dataset.
    ModelInputs(model::QuantGraph &graph, std::string dataPath, InputOverrides overrides = {});

    // Opens the split at the decided size and checks the model runs on its images (probing the
    // model's layer shapes). Throws quantscope::Error naming both shapes when they do not fit.
    data::Dataset open(data::Split split);
    // The normalisation; computing it reads kStatisticsImages evenly spaced training images.
    const data::InputTransform &transform();

    // "idx", "cifar10", "cifar100" or "imagefolder".
    const std::string &dataFormat() const { return m_format; }
    // Pixels; for IDX and CIFAR at their own size known once a split was opened (0 before).
    int64_t imageSize() const { return m_imageSize; }
    // "set by you", "from the model", "from the images" or "default for mixed sizes".
    const std::string &sizeSource() const { return m_sizeSource; }
    // "set by you", "from the model", "computed on N training images" (after transform()).
    const std::string &normalisationSource() const { return m_normalisationSource; }
    // One line: "input 28×28 px (from the images); normalisation mean 0.286, std 0.353
    // (computed on 1024 training images)".
    std::string describe();
    // What a user should know: unreadable images skipped, mixed sizes cropped.
    const std::vector<std::string> &warnings() const { return m_warnings; }

private:
    data::Dataset read(data::Split split, int64_t sampleCount) const;

    model::QuantGraph &m_graph;
    std::string m_dataPath;
    InputOverrides m_overrides;
    std::string m_format;
    std::vector<int64_t> m_recordedShape; // from the model's metadata, [C, H, W] or empty
    data::ImageFolderOptions::Layout m_layout = data::ImageFolderOptions::Layout::Unknown;
    int64_t m_imageSize = 0;
    std::string m_sizeSource;
    std::optional<data::InputTransform> m_transform;
    std::string m_normalisationSource;
    std::vector<std::string> m_warnings;
};

} // namespace quantscope::jobs
