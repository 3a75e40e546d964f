// SPDX-License-Identifier: MIT
#include "evaluator.h"

#include "data/batch_loader.h"
#include "error.h"

#include <cstdio>

namespace quantscope::analysis {

EvalResult Evaluator::evaluate(const model::QuantGraph &graph, model::QuantSession &session,
                               const data::Dataset &data, const data::InputTransform &transform,
                               int64_t limit, const jobs::JobContext *context)
{
    torch::InferenceMode inference;
    data::BatchLoader loader(data, transform, data::BatchLoader::inOrder(data, limit), kBatchSize);
    EvalResult result;
    result.classes = data.classCount();
    auto confusion = torch::zeros({result.classes, result.classes}, torch::kInt64);
    double lossSum = 0;
    int64_t correct1 = 0, correct5 = 0;
    for (int64_t b = 0; b < loader.batchCount(); ++b) {
        if (context) {
            context->checkCancelled();
            context->progress(double(b) / loader.batchCount(), "evaluating");
        }
        const auto batch = loader.batch(b);
        torch::Tensor logits;
        try {
            // On a GPU the scores of one batch come back; the counting below stays on the CPU.
            logits = graph.forward(batch.inputs, session).cpu();
        } catch (const std::exception &e) { // c10::Error, or the interpreter's runtime_error
            throw Error(graph.path() + ": the model cannot run on " + data.path + " images of "
                        "shape " + c10::str(batch.inputs.sizes().slice(1)) + ": " +
                        errorLine(e.what()));
        }
        if (logits.dim() != 2 || logits.size(1) < result.classes)
            throw Error(graph.path() + ": the model gives " + c10::str(logits.sizes()) +
                        " outputs per batch but the dataset has " +
                        std::to_string(result.classes) + " classes");
        lossSum += torch::cross_entropy_loss(logits, batch.labels, {}, at::Reduction::Sum)
                       .item<double>();
        const auto top = std::get<1>(logits.topk(std::min<int64_t>(5, logits.size(1)), 1));
        const auto hits = top.eq(batch.labels.unsqueeze(1));
        correct1 += hits.select(1, 0).sum().item<int64_t>();
        correct5 += hits.any(1).sum().item<int64_t>();
        const auto predicted = top.select(1, 0).clamp_max(result.classes - 1);
        confusion.view(-1).index_put_({batch.labels * result.classes + predicted},
                                      torch::ones_like(predicted), true);
        result.samples += batch.labels.size(0);
    }
    if (result.samples > 0) {
        result.top1 = double(correct1) / result.samples;
        result.top5 = double(correct5) / result.samples;
        result.loss = lossSum / result.samples;
    }
    result.confusion.assign(confusion.data_ptr<int64_t>(),
                            confusion.data_ptr<int64_t>() + confusion.numel());
    if (context)
        context->progress(1.0, "evaluating");
    return result;
}

std::string Evaluator::nearChanceWarning(const EvalResult &result)
{
    if (result.classes < 2 || result.samples == 0 || result.top1 >= 2.0 / result.classes)
        return {};
    char text[512];
    std::snprintf(text, sizeof text,
                  "the float model scores %.1f %% top-1 on %lld images of %lld classes, near "
                  "chance (%.1f %%): check the input size, the normalisation (mean/std), the "
                  "channel order (RGB or BGR) and the class order (folder names sorted)",
                  result.top1 * 100, static_cast<long long>(result.samples),
                  static_cast<long long>(result.classes), 100.0 / result.classes);
    return text;
}

} // namespace quantscope::analysis
