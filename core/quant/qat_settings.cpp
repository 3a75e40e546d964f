// SPDX-License-Identifier: MIT
#include "qat_settings.h"

namespace quantscope::quant {

namespace {
using Type = ParamSpec::Type;
} // namespace

std::vector<ParamSpec> QatSettings::head()
{
    return {{"epochs", "Epochs", Type::Int, "3", 1, 1000, {}, "Passes over the training split."},
            {"batch_size", "Batch size", Type::Int, "128", 1, 4096, {}, ""},
            {"optimizer", "Optimizer", Type::Choice, "sgd", 0, 0, {"sgd", "adam"},
             "SGD with Nesterov momentum 0.9, or Adam."},
            {"lr", "Weight learning rate", Type::Double, "0.002", 1e-7, 10, {},
             "Learning rate of the latent weights (they start from the float model)."}};
}

std::vector<ParamSpec> QatSettings::weightDecayAndSchedule()
{
    return {{"weight_decay", "Weight decay", Type::Double, "0.0001", 0, 1, {}, ""},
            {"schedule", "Schedule", Type::Choice, "cosine", 0, 0, {"cosine", "constant"},
             "Learning-rate schedule over all steps."}};
}

std::vector<ParamSpec> QatSettings::tail(const std::string &seedHelp)
{
    return {{"train_limit", "Images per epoch", Type::Int, "0", 0, 1e9, {},
             "0 = the whole training split; otherwise this many random images per epoch."},
            {"calib_images", "Calibration images", Type::Int, "256", 1, 100000, {},
             "Images that set the initial activation ranges."},
            {"snapshot_every", "Snapshot every", Type::Int, "50", 1, 1e9, {},
             "Steps between weight-histogram snapshots of every layer."},
            {"seed", "Seed", Type::Int, "0", 0, 1e9, {}, seedHelp}};
}

train::TrainOptions QatSettings::options(const MethodSettings &s)
{
    train::TrainOptions options;
    options.epochs = s.integer("epochs");
    options.batchSize = s.integer("batch_size");
    options.optimizer = s.text("optimizer");
    options.schedule = s.text("schedule");
    options.augment = false;
    options.seed = static_cast<uint64_t>(s.integer("seed"));
    options.limit = s.integer("train_limit");
    return options;
}

} // namespace quantscope::quant
