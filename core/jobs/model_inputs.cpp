// SPDX-License-Identifier: MIT
#include "model_inputs.h"

#include "data/channel_statistics.h"
#include "data/image_folder_reader.h"
#include "error.h"
#include "model/model_metadata.h"

#include <cstdio>

namespace quantscope::jobs {

namespace {

// The ImageFolder size when the images themselves do not say one (torchvision's crop).
constexpr int64_t kMixedSizeDefault = 224;

std::string shapeText(const std::vector<int64_t> &shape)
{
    std::string text;
    for (auto d : shape)
        text += (text.empty() ? "" : "x") + std::to_string(d);
    return text;
}

std::string valuesText(const std::vector<float> &values)
{
    std::string text;
    char buffer[32];
    for (float v : values) {
        std::snprintf(buffer, sizeof buffer, "%.4g", double(v));
        text += (text.empty() ? "" : ",") + std::string(buffer);
    }
    return text;
}

// Bilinear resize of uint8 N×C×H×W images to size×size, in chunks so a 60 000-image split
// never exists as one float tensor.
torch::Tensor resizeImages(const torch::Tensor &images, int64_t size)
{
    namespace F = torch::nn::functional;
    const auto options = F::InterpolateFuncOptions()
                             .size(std::vector<int64_t>{size, size})
                             .mode(torch::kBilinear)
                             .align_corners(false);
    std::vector<torch::Tensor> chunks;
    for (const auto &chunk : images.split(4096))
        chunks.push_back(F::interpolate(chunk.to(torch::kFloat), options)
                             .round_()
                             .clamp_(0, 255)
                             .to(torch::kUInt8));
    return torch::cat(chunks);
}

} // namespace

ModelInputs::ModelInputs(model::QuantGraph &graph, std::string dataPath, InputOverrides overrides)
    : m_graph(graph), m_dataPath(std::move(dataPath)), m_overrides(std::move(overrides))
{
    if (m_overrides.imageSize < 0 || m_overrides.imageSize > 4096)
        throw Error("the image size must be 1…4096 pixels (got " +
                    std::to_string(m_overrides.imageSize) + ")");
    m_format = data::DatasetReader::detectFormat(m_dataPath);
    const auto recorded = model::ModelMetadata::parse(graph.metadataJson()).inputShape;
    if (recorded.size() == 3)
        m_recordedShape = recorded;

    data::ImageFolderSurvey survey;
    if (m_format == "imagefolder") {
        survey = data::ImageFolderReader::survey(m_dataPath);
        m_layout = survey.mixed ? data::ImageFolderOptions::Layout::Mixed
                                : data::ImageFolderOptions::Layout::Uniform;
    }
    if (m_overrides.imageSize > 0) {
        m_imageSize = m_overrides.imageSize;
        m_sizeSource = "set by you";
    } else if (!m_recordedShape.empty()) {
        m_imageSize = m_recordedShape[2];
        m_sizeSource = "from the model";
    } else if (m_format == "imagefolder" && survey.mixed) {
        m_imageSize = kMixedSizeDefault;
        m_sizeSource = "default for images of mixed sizes";
    } else {
        // One size for every image: an IDX or CIFAR file, or a uniform folder (its shorter
        // side; IDX and CIFAR sizes are known once a split is read).
        m_imageSize = m_format == "imagefolder" ? std::min(survey.width, survey.height) : 0;
        m_sizeSource = "from the images";
    }
    if (m_layout == data::ImageFolderOptions::Layout::Mixed)
        m_warnings.push_back("the images have mixed sizes (" + std::to_string(survey.width) +
                             "x" + std::to_string(survey.height) + " and others): each is "
                             "scaled to a shorter side of size/0.875 and centre-cropped to " +
                             std::to_string(m_imageSize) + "x" + std::to_string(m_imageSize));
}

data::Dataset ModelInputs::read(data::Split split, int64_t sampleCount) const
{
    data::ImageFolderOptions options;
    options.size = m_imageSize > 0 ? m_imageSize : kMixedSizeDefault;
    options.layout = m_layout;
    options.sampleCount = sampleCount;
    const int64_t channels = m_graph.inputChannels();
    if (channels == 1 || channels == 3)
        options.channels = channels;
    auto data = data::DatasetReader::open(m_dataPath, split, options);
    if (m_overrides.imageSize > 0 &&
        (data.images.size(2) != m_imageSize || data.images.size(3) != m_imageSize))
        data.images = resizeImages(data.images, m_imageSize);
    return data;
}

data::Dataset ModelInputs::open(data::Split split)
{
    auto data = read(split, 0);
    if (m_imageSize == 0)
        m_imageSize = data.images.size(2);
    if (!data.unreadableWarning().empty())
        m_warnings.push_back(std::string(split == data::Split::Train ? "train" : "test") +
                             " split: " + data.unreadableWarning());
    std::vector<int64_t> shape = data.imageShape();
    if (m_graph.inputChannels() > 0)
        shape[0] = m_graph.inputChannels();
    if (m_overrides.imageSize > 0 || m_recordedShape.empty())
        m_graph.probeShapes(shape); // the model must run at the size chosen for it
    else if (m_recordedShape != shape)
        throw Error(m_graph.path() + ": the model expects " + shapeText(m_recordedShape) +
                    " inputs but " + m_dataPath + " holds " + shapeText(data.imageShape()) +
                    " images: set the input size (the CLI's --size) to scale them to it");
    return data;
}

const data::InputTransform &ModelInputs::transform()
{
    if (m_transform)
        return *m_transform;
    const auto meta = model::ModelMetadata::parse(m_graph.metadataJson());
    data::InputTransform t;
    t.channels = m_graph.inputChannels();
    std::string meanSource, stdSource;
    auto pick = [&](const std::vector<float> &given, const std::vector<float> &recorded,
                    std::vector<float> &out, std::string &source) {
        if (!given.empty()) {
            out = given;
            source = "set by you";
        } else if (!recorded.empty()) {
            out = recorded;
            source = "from the model";
        }
    };
    pick(m_overrides.mean, meta.mean, t.mean, meanSource);
    pick(m_overrides.std, meta.std, t.std, stdSource);
    if (meanSource.empty() || stdSource.empty()) {
        const auto sample = read(data::Split::Train, kStatisticsImages);
        const auto stats = data::ChannelStatistics::compute(sample, t.channels);
        const std::string computed =
            "computed on " + std::to_string(sample.size()) + " training images";
        if (meanSource.empty() && !stats.mean.empty()) {
            t.mean = stats.mean;
            meanSource = computed;
        }
        if (stdSource.empty() && !stats.std.empty()) {
            t.std = stats.std;
            stdSource = computed;
        }
    }
    m_normalisationSource = meanSource == stdSource
                                ? meanSource
                                : "mean " + meanSource + ", std " + stdSource;
    m_transform = t;
    return *m_transform;
}

std::string ModelInputs::describe()
{
    const auto &t = transform();
    const std::string size = m_imageSize > 0 ? std::to_string(m_imageSize) + "x" +
                                                   std::to_string(m_imageSize) + " px"
                                             : std::string("own size");
    return "input " + size + " (" + m_sizeSource + "); normalisation mean " +
           valuesText(t.mean) + ", std " + valuesText(t.std) + " (" + m_normalisationSource +
           ")";
}

} // namespace quantscope::jobs
