// SPDX-License-Identifier: MIT
// Trainer: supervised training of any differentiable forward function — SGD with momentum or
// Adam, cosine or constant learning rate, light augmentation. Used to make the demo model and,
// through a QuantSession, by the QAT methods.
#pragma once

#include "data/dataset.h"
#include "data/input_transform.h"
#include "jobs/job_context.h"

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace quantscope::train {

struct TrainOptions
{
    int epochs = 10;
    int64_t batchSize = 128;
    std::string optimizer = "sgd"; // "sgd" (momentum 0.9, Nesterov) or "adam"
    double learningRate = 0.05;
    double weightDecay = 5e-4;
    std::string schedule = "cosine"; // "cosine" or "constant"
    bool augment = true;             // random horizontal flip + shift by up to 2 pixels
    uint64_t seed = 0;
};

struct EpochReport
{
    int epoch = 0; // 1-based
    double trainLoss = 0;
    double trainTop1 = 0;
    double seconds = 0;
};

class Trainer
{
public:
    using ForwardFn = std::function<torch::Tensor(const torch::Tensor &)>;

    // Trains `parameters` (which must require grad) through `forward`; afterEpoch runs after
    // each epoch (evaluate, save, emit metrics). Throws quantscope::Cancelled when cancelled.
    static void train(const ForwardFn &forward, const std::vector<torch::Tensor> &parameters,
                      const data::Dataset &train, const data::InputTransform &transform,
                      const TrainOptions &options, jobs::JobContext &context,
                      const std::function<void(const EpochReport &)> &afterEpoch);
};

} // namespace quantscope::train
