// SPDX-License-Identifier: MIT
// QatSettings: the settings every quantization-aware training method (DSQ, CPQ) shares — the
// training loop's (epochs, batch, optimizer, learning rate, schedule, images per epoch) and the
// run's (calibration images, snapshot interval, seed) — and the trainer's options made from them.
#pragma once

#include "method_settings.h"
#include "param_spec.h"
#include "train/trainer.h"

#include <string>
#include <vector>

namespace quantscope::quant {

class QatSettings
{
public:
    // In form order: head() first, the method's own learning rates, weightDecayAndSchedule(),
    // the method's own settings, then tail().
    static std::vector<ParamSpec> head();
    static std::vector<ParamSpec> weightDecayAndSchedule();
    static std::vector<ParamSpec> tail(const std::string &seedHelp);

    // The trainer's options from those settings (no augmentation: the user's model was trained
    // with its own, if any).
    static train::TrainOptions options(const MethodSettings &settings);
};

} // namespace quantscope::quant
