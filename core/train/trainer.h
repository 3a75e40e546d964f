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
    std::string schedule = "cosine"; // "cosine" or "constant"
    bool augment = true;             // random horizontal flip + shift by up to 2 pixels
    uint64_t seed = 0;
    int64_t limit = 0; // > 0: samples per epoch, drawn at random from the dataset
};

struct EpochReport
{
    int epoch = 0; // 1-based
    double trainLoss = 0;
    double trainTop1 = 0;
    double seconds = 0;
};

// Tensors trained with their own learning rate: QAT methods train quantizer parameters (clip
// bounds, α) far more gently than weights. The schedule scales every group alike.
struct ParameterGroup
{
    std::vector<torch::Tensor> tensors; // must require grad
    double learningRate = 0.05;
    double weightDecay = 0;
};

struct TrainHooks
{
    std::function<void(int64_t step)> afterStep;           // after each optimizer step (0-based)
    std::function<void(const EpochReport &)> afterEpoch;  // evaluate, save, emit metrics
    // Added to the loss before backward (a regulariser: CPQ's expected bit-width); the loss
    // reported stays the task's.
    std::function<torch::Tensor()> penalty;
    // Replaces the optimizer's step for a method with its own update rule (ALQ's loss-aware
    // steps on binary bases): called after backward with the schedule's factor of the learning
    // rate; it reads and clears the gradients itself. The groups may then be empty.
    std::function<void(double lrFactor)> step;
};

class Trainer
{
public:
    using ForwardFn = std::function<torch::Tensor(const torch::Tensor &)>;

    // Trains the groups through `forward` on the dataset, reshuffled each epoch (with
    // options.limit, on that many random samples per epoch). Throws quantscope::Cancelled.
    static void train(const ForwardFn &forward, const std::vector<ParameterGroup> &groups,
                      const data::Dataset &train, const data::InputTransform &transform,
                      const TrainOptions &options, jobs::JobContext &context,
                      const TrainHooks &hooks);

    // What one epoch of train() covers: options.limit random samples (all when 0), in batches.
    static int64_t samplesPerEpoch(const data::Dataset &train, const TrainOptions &options);
    static int64_t batchesPerEpoch(const data::Dataset &train, const TrainOptions &options);
};

} // namespace quantscope::train
