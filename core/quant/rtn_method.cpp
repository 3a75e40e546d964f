// SPDX-License-Identifier: MIT
#include "rtn_method.h"

#include "activation_calibrator.h"
#include "analysis/grid_units.h"
#include "analysis/weight_histogram.h"
#include "bit_plan.h"
#include "uniform_quantizer.h"

namespace quantscope::quant {

std::vector<ParamSpec> RtnMethod::params() const
{
    auto specs = BitPlan::commonParams();
    specs.push_back({"per_channel", "Per-channel weights", ParamSpec::Type::Bool, "true", 0, 0, {},
                     "One scale per output channel instead of one per layer."});
    specs.push_back({"symmetric", "Symmetric weights", ParamSpec::Type::Bool, "false", 0, 0, {},
                     "Zero point fixed at 0 (signed grid) instead of fitted."});
    specs.push_back({"clip", "Clip range", ParamSpec::Type::Choice, "mse", 0, 0, {"mse", "minmax"},
                     "mse: search the clip ratio with the smallest squared error; minmax: clip at "
                     "the extreme weights."});
    specs.push_back({"calib_images", "Calibration images", ParamSpec::Type::Int, "256", 1, 100000,
                     {}, "Training images used to calibrate activation ranges (no labels used)."});
    specs.push_back({"seed", "Seed", ParamSpec::Type::Int, "0", 0, 1e9, {},
                     "Chooses the calibration images."});
    return specs;
}

QuantizedModel RtnMethod::run(const MethodInput &input, jobs::JobContext &context)
{
    const auto &layers = input.graph.layers();
    const auto plan = BitPlan::make(layers, input.settings);
    QuantizedModel result;
    result.wbits.assign(plan.wbits.begin(), plan.wbits.end());
    result.abits.assign(plan.abits.begin(), plan.abits.end());

    for (size_t i = 0; i < layers.size(); ++i) {
        context.checkCancelled();
        context.progress(0.5 * i / layers.size(), "quantizing weights");
        WeightGridOptions options;
        options.bits = plan.wbits[i];
        options.perChannel = input.settings.flag("per_channel");
        options.symmetric = input.settings.flag("symmetric");
        options.searchClip = input.settings.text("clip") == "mse";
        const auto &w = input.graph.floatWeight(static_cast<int>(i));
        const auto grid = UniformQuantizer::fitWeight(w, options);
        torch::NoGradGuard noGrad;
        result.weights.push_back(grid.fakeQuantize(w));
        result.weightGrids.push_back(grid.geometry());

        jobs::LayerSnapshot snapshot;
        snapshot.layer = static_cast<int>(i);
        snapshot.layerName = layers[i].name;
        snapshot.stage = "rtn";
        snapshot.bits = plan.wbits[i];
        snapshot.gridLevels = grid.levels(grid.widestChannel());
        analysis::WeightHistogram::fill(snapshot, w);
        analysis::GridUnits::fill(snapshot, w, grid.geometry());
        context.snapshot(snapshot);
    }

    auto session = input.graph.makeSession();
    result.applyTo(session);
    const data::BatchLoader loader(
        input.train, input.transform,
        data::BatchLoader::randomSubset(input.train, input.settings.integer("calib_images"),
                                        static_cast<uint64_t>(input.settings.integer("seed"))),
        128);
    const auto calibration = context.stage(0.5, 1.0);
    result.activationGrids = ActivationCalibrator::calibrate(input.graph, session, loader,
                                                             plan.abits, calibration);
    context.progress(1.0, "done");
    return result;
}

} // namespace quantscope::quant
