// SPDX-License-Identifier: MIT
#include "model_inputs.h"

#include "error.h"
#include "model/model_metadata.h"

namespace quantscope::jobs {

namespace {

std::string shapeText(const std::vector<int64_t> &shape)
{
    std::string text;
    for (auto d : shape)
        text += (text.empty() ? "" : "x") + std::to_string(d);
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

data::ImageFolderOptions ModelInputs::imageOptions(const model::QuantGraph &graph,
                                                   const InputOverrides &overrides)
{
    data::ImageFolderOptions options;
    const auto &shape = graph.inputShape();
    if (overrides.imageSize > 0)
        options.size = overrides.imageSize;
    else if (shape.size() == 3)
        options.size = shape[2];
    if (graph.inputChannels() == 1 || graph.inputChannels() == 3)
        options.channels = graph.inputChannels();
    return options;
}

data::InputTransform ModelInputs::transform(const model::QuantGraph &graph,
                                            const InputOverrides &overrides)
{
    const auto meta = model::ModelMetadata::parse(graph.metadataJson());
    data::InputTransform t;
    t.channels = graph.inputChannels();
    if (!overrides.mean.empty())
        t.mean = overrides.mean;
    else if (!meta.mean.empty())
        t.mean = meta.mean;
    if (!overrides.std.empty())
        t.std = overrides.std;
    else if (!meta.std.empty())
        t.std = meta.std;
    return t;
}

data::Dataset ModelInputs::open(model::QuantGraph &graph, const std::string &dataPath,
                                data::Split split, const InputOverrides &overrides)
{
    if (overrides.imageSize < 0 || overrides.imageSize > 4096)
        throw Error("the image size must be 1…4096 pixels (got " +
                    std::to_string(overrides.imageSize) + ")");
    auto data = data::DatasetReader::open(dataPath, split, imageOptions(graph, overrides));
    const int64_t size = overrides.imageSize;
    if (size > 0 && (data.images.size(2) != size || data.images.size(3) != size))
        data.images = resizeImages(data.images, size);
    std::vector<int64_t> shape = data.imageShape();
    if (graph.inputChannels() > 0)
        shape[0] = graph.inputChannels();
    const auto &expected = graph.inputShape();
    if (size > 0 && expected != shape)
        graph.probeShapes(shape); // the recorded size gives way; the model must still run
    else if (!expected.empty() && expected != shape)
        throw Error(graph.path() + ": the model expects " + shapeText(expected) +
                    " inputs but " + dataPath + " holds " + shapeText(data.imageShape()) +
                    " images");
    if (expected.empty())
        graph.probeShapes(shape);
    return data;
}

} // namespace quantscope::jobs
