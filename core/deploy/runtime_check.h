// SPDX-License-Identifier: MIT
// RuntimeCheck: does the packed model compute what the workbench simulated? Runs the runtime's
// lowbit and fp32 backends and LibTorch (the run's fake-quantized model, and the same weights
// with float activations) on the same test images: top-1 agreement, and per layer the largest
// difference of its input between the runtime and the simulation.
#pragma once

#include "data/dataset.h"
#include "data/input_transform.h"
#include "format/qsm_model.h"
#include "jobs/job_context.h"
#include "store/run_record.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace quantscope::model {
class QuantGraph;
}

namespace quantscope::deploy {

struct LayerDifference
{
    std::string name;
    double maxAbsDiff = 0; // runtime lowbit vs simulation, at the layer's input
    double maxAbs = 0;     // the largest input value there, for scale
};

// [{name, max_abs_diff, max_abs}], as verify --json and the stored deploy reports write them.
nlohmann::json toJson(const std::vector<LayerDifference> &layers);

struct RuntimeCheckResult
{
    int64_t images = 0;
    double simulatedTop1 = 0;  // LibTorch, fake-quantized weights and activations
    double lowbitTop1 = 0;     // runtime, codes
    double agreement = 0;      // share of images where lowbit and simulation pick the same class
    double fp32MaxRelDiff = 0; // runtime fp32 vs LibTorch with float activations, max |Δ| / max |y|
    std::vector<LayerDifference> layers;
};

// Test images as the run saw them and the simulated model's logits for each: what a device's
// outputs are compared with; for the first few images also each layer's input, for a per-layer
// comparison.
struct SimulatedImages
{
    int64_t count = 0, classes = 0;
    std::vector<float> images; // count × C×H×W, normalised
    std::vector<float> logits; // count × classes
    int64_t layerImages = 0;
    std::vector<std::string> layerNames;
    std::vector<std::vector<float>> layerInputs; // [image × layers + layer], C×H×W
};

class RuntimeCheck
{
public:
    // The first `count` test images (all where count is 0) through the simulated model, with
    // the layer inputs of the first `layerImages` of them (at most one batch, 64).
    static SimulatedImages simulate(const store::RunRecord &run, const model::QuantGraph &graph,
                                    const data::Dataset &test,
                                    const data::InputTransform &transform, int64_t count,
                                    int64_t layerImages = 0);
    // graph: the run's quantized model (run.artifact), as the caller loaded it.
    static RuntimeCheckResult run(const store::RunRecord &run, const model::QuantGraph &graph,
                                  const qsm::Model &model, const data::Dataset &test,
                                  const data::InputTransform &transform, int64_t limit,
                                  const jobs::JobContext &context);
};

} // namespace quantscope::deploy
