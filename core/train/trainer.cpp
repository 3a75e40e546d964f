// SPDX-License-Identifier: MIT
#include "trainer.h"

#include "data/batch_loader.h"
#include "error.h"

#include <chrono>
#include <cmath>

namespace quantscope::train {

namespace {

torch::Tensor augment(torch::Tensor x, torch::Generator &gen)
{
    const int64_t n = x.size(0);
    const auto flip = torch::rand({n}, gen) < 0.5;
    x = torch::where(flip.view({n, 1, 1, 1}), x.flip({3}), x);
    // One random shift per batch: cheap, and across batches it covers every offset.
    const auto shift = torch::randint(-2, 3, {2}, gen, torch::kInt64);
    return x.roll({shift[0].item<int64_t>(), shift[1].item<int64_t>()}, {2, 3});
}

} // namespace

int64_t Trainer::samplesPerEpoch(const data::Dataset &train, const TrainOptions &options)
{
    return options.limit > 0 ? std::min(options.limit, train.size()) : train.size();
}

int64_t Trainer::batchesPerEpoch(const data::Dataset &train, const TrainOptions &options)
{
    return (samplesPerEpoch(train, options) + options.batchSize - 1) / options.batchSize;
}

void Trainer::train(const ForwardFn &forward, const std::vector<ParameterGroup> &groups,
                    const data::Dataset &train, const data::InputTransform &transform,
                    const TrainOptions &options, jobs::JobContext &context,
                    const TrainHooks &hooks)
{
    if (options.epochs < 1 || options.batchSize < 1)
        throw Error("training: epochs and batch size must be positive");
    std::vector<torch::optim::OptimizerParamGroup> optimizerGroups;
    std::vector<double> baseRates;
    for (const auto &g : groups) {
        if (g.learningRate <= 0)
            throw Error("training: learning rates must be positive");
        if (g.tensors.empty())
            continue;
        std::unique_ptr<torch::optim::OptimizerOptions> o;
        if (options.optimizer == "sgd")
            o = std::make_unique<torch::optim::SGDOptions>(
                torch::optim::SGDOptions(g.learningRate).momentum(0.9).nesterov(true)
                    .weight_decay(g.weightDecay));
        else if (options.optimizer == "adam")
            o = std::make_unique<torch::optim::AdamOptions>(
                torch::optim::AdamOptions(g.learningRate).weight_decay(g.weightDecay));
        else
            throw Error("unknown optimizer '" + options.optimizer + "' (sgd or adam)");
        optimizerGroups.emplace_back(g.tensors, std::move(o));
        baseRates.push_back(g.learningRate);
    }
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    if (optimizerGroups.empty() && !hooks.step)
        throw Error("training: nothing to train");
    if (!optimizerGroups.empty() && options.optimizer == "sgd")
        optimizer = std::make_unique<torch::optim::SGD>(optimizerGroups,
                                                        torch::optim::SGDOptions(1.0));
    else if (!optimizerGroups.empty())
        optimizer = std::make_unique<torch::optim::Adam>(optimizerGroups,
                                                         torch::optim::AdamOptions(1.0));
    if (options.schedule != "cosine" && options.schedule != "constant")
        throw Error("unknown schedule '" + options.schedule + "' (cosine or constant)");

    auto gen = at::make_generator<at::CPUGeneratorImpl>(options.seed);
    const int64_t samples = samplesPerEpoch(train, options);
    const int64_t steps = options.epochs * batchesPerEpoch(train, options);
    int64_t step = 0;
    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        data::BatchLoader loader(
            train, transform,
            data::BatchLoader::randomSubset(train, samples, options.seed * 1000003 + epoch),
            options.batchSize);
        // Summed where the scores are and read at the epoch's end: reading them every step
        // would make the CPU wait for a GPU at every step.
        torch::Tensor lossSum, correct;
        int64_t seen = 0;
        for (int64_t b = 0; b < loader.batchCount(); ++b, ++step) {
            context.checkCancelled();
            const double factor =
                options.schedule == "cosine"
                    ? 0.5 * (1 + std::cos(M_PI * double(step) / double(steps)))
                    : 1.0;
            if (optimizer)
                for (size_t g = 0; g < optimizer->param_groups().size(); ++g)
                    optimizer->param_groups()[g].options().set_lr(baseRates[g] * factor);

            auto batch = loader.batch(b);
            auto inputs = options.augment ? augment(batch.inputs, gen) : batch.inputs;
            if (optimizer)
                optimizer->zero_grad();
            const auto logits = forward(inputs);
            const auto labels = batch.labels.to(logits.device());
            const auto loss = torch::cross_entropy_loss(logits, labels);
            (hooks.penalty ? loss + hooks.penalty().to(loss.device()) : loss).backward();
            if (optimizer)
                optimizer->step();
            if (hooks.step)
                hooks.step(factor);
            if (hooks.afterStep)
                hooks.afterStep(step);

            const int64_t n = labels.size(0);
            const auto batchLoss = loss.detach().to(torch::kFloat64) * double(n);
            const auto hits = logits.argmax(1).eq(labels).sum();
            lossSum = lossSum.defined() ? lossSum.add_(batchLoss) : batchLoss;
            correct = correct.defined() ? correct.add_(hits) : hits;
            seen += n;
            context.progress(double(step + 1) / steps,
                             "epoch " + std::to_string(epoch) + "/" +
                                 std::to_string(options.epochs));
            if (b % 20 == 0)
                context.metric("train_loss", double(step), loss.item<double>());
        }
        EpochReport report;
        report.epoch = epoch;
        report.trainLoss = seen ? lossSum.item<double>() / double(seen) : 0.0;
        report.trainTop1 = seen ? double(correct.item<int64_t>()) / double(seen) : 0.0;
        report.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (hooks.afterEpoch)
            hooks.afterEpoch(report);
    }
}

} // namespace quantscope::train
