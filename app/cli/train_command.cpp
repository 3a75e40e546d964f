// SPDX-License-Identifier: MIT
#include "analysis/evaluator.h"
#include "cli_arguments.h"
#include "commands.h"
#include "data/batch_loader.h"
#include "data/channel_statistics.h"
#include "data/dataset_reader.h"
#include "error.h"
#include "model/model_metadata.h"
#include "progress_printer.h"
#include "train/architectures.h"
#include "train/trainer.h"

#include <cstdio>

namespace quantscope::cli {

int trainCommand(const Args &argv)
{
    const CliArguments args(argv,
                            {"data", "arch", "epochs", "batch", "lr", "optimizer", "schedule",
                             "weight-decay", "width", "seed", "size", "mean", "std"},
                            {"no-augment"});
    const std::string out = args.positional(0, "OUT.pt");
    const std::string dataPath = args.required("data");
    data::ImageFolderOptions imageOptions;
    imageOptions.size = args.integer("size", 32);
    const auto train = data::DatasetReader::open(dataPath, data::Split::Train, imageOptions);
    const auto test = data::DatasetReader::open(dataPath, data::Split::Test, imageOptions);

    model::ModelMetadata meta;
    meta.inputShape = train.imageShape();
    meta.mean = args.floats("mean");
    meta.std = args.floats("std");
    if (meta.mean.empty() || meta.std.empty()) {
        const auto stats = data::ChannelStatistics::compute(train);
        meta.mean = stats.mean;
        meta.std = stats.std;
    }
    data::InputTransform transform{meta.mean, meta.std, 0};

    train::TrainOptions options;
    options.epochs = static_cast<int>(args.integer("epochs", options.epochs));
    options.batchSize = args.integer("batch", options.batchSize);
    options.optimizer = args.value("optimizer", options.optimizer);
    options.schedule = args.value("schedule", options.schedule);
    options.augment = !args.has("no-augment");
    options.seed = static_cast<uint64_t>(args.integer("seed", 0));

    const std::string arch = args.required("arch");
    auto module = train::Architectures::create(arch, train.imageShape()[0], train.classCount(),
                                               args.integer("width", 16), options.seed);
    train::ParameterGroup parameters;
    parameters.learningRate = args.real("lr", 0.05);
    parameters.weightDecay = args.real("weight-decay", 5e-4);
    for (const auto &p : module.parameters()) {
        p.set_requires_grad(true);
        parameters.tensors.push_back(p);
    }

    jobs::JobContext context;
    ProgressPrinter printer("train");
    printer.attach(context);
    double lastTop1 = 0;
    train::TrainHooks hooks;
    hooks.afterEpoch = [&](const train::EpochReport &r) {
        // Evaluate the module itself (BatchNorm on running statistics), then save after
        // every epoch so an interrupted training keeps its best-so-far model.
        module.eval();
        torch::InferenceMode inference;
        data::BatchLoader loader(test, transform, data::BatchLoader::inOrder(test), 500);
        int64_t correct = 0;
        for (int64_t b = 0; b < loader.batchCount(); ++b) {
            const auto batch = loader.batch(b);
            correct += module.forward({batch.inputs}).toTensor().argmax(1)
                           .eq(batch.labels).sum().item<int64_t>();
        }
        lastTop1 = double(correct) / double(test.size());
        printer.finish();
        std::fprintf(stderr, "epoch %d: train loss %.4f, train top-1 %.2f %%, test top-1 "
                             "%.2f %%, %.1f s\n",
                     r.epoch, r.trainLoss, r.trainTop1 * 100, lastTop1 * 100, r.seconds);
        meta.notes = "quantscope-cli train --arch " + arch + ", " + std::to_string(r.epoch) +
                     " epochs on " + dataPath + ": test top-1 " + std::to_string(lastTop1);
        module.save(out, {{"quantscope.json", meta.toJson()}});
        module.train();
    };
    train::Trainer::train(
        [&module](const torch::Tensor &x) { return module.forward({x}).toTensor(); },
        {parameters}, train, transform, options, context, hooks);
    std::printf("saved %s (test top-1 %.2f %%)\n", out.c_str(), lastTop1 * 100);
    return 0;
}

} // namespace quantscope::cli
