// SPDX-License-Identifier: MIT
// Evaluator: top-1/top-5 accuracy, mean cross-entropy loss and the confusion matrix of a model
// (as its QuantSession serves it) on a dataset split.
#pragma once

#include "data/dataset.h"
#include "data/input_transform.h"
#include "jobs/job_context.h"
#include "model/quant_graph.h"

#include <string>
#include <vector>

namespace quantscope::analysis {

struct EvalResult
{
    double top1 = 0; // fraction in [0, 1]
    double top5 = 0;
    double loss = 0; // mean cross-entropy, nats
    int64_t samples = 0;
    int64_t classes = 0;
    std::vector<int64_t> confusion; // classes × classes, row = true label, column = prediction
};

class Evaluator
{
public:
    static constexpr int64_t kBatchSize = 250;

    // limit > 0 evaluates the first `limit` samples only. Reports progress and honours cancel
    // when a context is given. Throws quantscope::Error when model and data do not fit.
    static EvalResult evaluate(const model::QuantGraph &graph, model::QuantSession &session,
                               const data::Dataset &data, const data::InputTransform &transform,
                               int64_t limit = 0, const jobs::JobContext *context = nullptr);

    // A float model at top-1 below 2/classes is near chance: almost always a wrong input, not a
    // bad model. The warning names the likely causes; "" when the accuracy is plausible.
    static std::string nearChanceWarning(const EvalResult &result);
};

} // namespace quantscope::analysis
