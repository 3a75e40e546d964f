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

} // namespace

data::ImageFolderOptions ModelInputs::imageOptions(const model::QuantGraph &graph)
{
    data::ImageFolderOptions options;
    const auto &shape = graph.inputShape();
    if (shape.size() == 3)
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
                                data::Split split)
{
    auto data = data::DatasetReader::open(dataPath, split, imageOptions(graph));
    std::vector<int64_t> shape = data.imageShape();
    if (graph.inputChannels() > 0)
        shape[0] = graph.inputChannels();
    const auto &expected = graph.inputShape();
    if (!expected.empty() && expected != shape)
        throw Error(graph.path() + ": the model expects " + shapeText(expected) +
                    " inputs but " + dataPath + " holds " + shapeText(data.imageShape()) +
                    " images");
    if (expected.empty())
        graph.probeShapes(shape);
    return data;
}

} // namespace quantscope::jobs
