// SPDX-License-Identifier: MIT
// PretrainedFixture: the QAT tests' starting point — eight classes on 8×8 images (class c lights
// row c) and the tiny ResNet trained on them, so that quantization has accuracy to lose.
#pragma once

#include "data/dataset_reader.h"
#include "model/quant_graph.h"
#include "synthetic_dataset.h"
#include "train/trainer.h"

#include <QTemporaryDir>

#include <string>

namespace quantscope::testing {

struct PretrainedFixture
{
    std::string dataDir, modelPath;

    // Writes the data and the trained model into dir.
    explicit PretrainedFixture(const QTemporaryDir &dir)
    {
        dataDir = dir.filePath(QStringLiteral("data")).toStdString();
        writeIdx(QString::fromStdString(dataDir), 400, 160, 8, false, 8);
        const auto data = data::DatasetReader::open(dataDir, data::Split::Train);
        model::QuantGraph graph(QUANTSCOPE_FIXTURE_DIR "/tiny_resnet_scripted.pt");
        auto session = graph.makeSession();
        train::ParameterGroup weights;
        weights.learningRate = 0.05;
        for (const auto &l : graph.layers())
            weights.tensors.push_back(graph.floatWeight(l.id).clone().requires_grad_(true));
        train::TrainOptions options;
        options.epochs = 15;
        options.batchSize = 32;
        options.augment = false;
        jobs::JobContext context;
        data::InputTransform transform{{0.3f}, {0.3f}, 1};
        train::Trainer::train(
            [&](const torch::Tensor &x) {
                for (size_t i = 0; i < weights.tensors.size(); ++i)
                    session.setWeight(int(i), weights.tensors[i]);
                return graph.forward(x, session);
            },
            {weights}, data, transform, options, context, {});
        modelPath = dir.filePath(QStringLiteral("pretrained.pt")).toStdString();
        graph.saveWithWeights(weights.tensors, modelPath);
    }
};

} // namespace quantscope::testing
