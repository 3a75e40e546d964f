// SPDX-License-Identifier: MIT
// Evaluation throughput of the demo model on the 10 000 Fashion-MNIST test images, images/s,
// through QuantScope's instrumented graph (what eval and every method use). Compare with
// bench/eval_throughput.py, the same model and data run by Debian's python3-torch:
//   build/bench/bench_eval_throughput && /usr/bin/python3 bench/eval_throughput.py
#include "analysis/evaluator.h"
#include "jobs/model_inputs.h"
#include "torch_runtime.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

using namespace quantscope;

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();
    const std::string modelPath =
        argc > 1 ? argv[1] : QUANTSCOPE_RESOURCE_DIR "/demo/fashion_resnet8.pt";
    model::QuantGraph graph(modelPath);
    jobs::ModelInputs inputs(graph, QUANTSCOPE_FASHION_MNIST_DIR);
    const auto test = inputs.open(data::Split::Test);
    const auto transform = inputs.transform();
    auto session = graph.makeSession();

    constexpr int kRepeats = 5;
    std::vector<double> rates;
    double top1 = 0;
    analysis::Evaluator::evaluate(graph, session, test, transform, 1000); // warm-up
    for (int r = 0; r < kRepeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        top1 = analysis::Evaluator::evaluate(graph, session, test, transform).top1;
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        rates.push_back(double(test.size()) / s);
    }
    std::sort(rates.begin(), rates.end());
    std::printf("quantscope eval: %lld images, batch %lld, %d threads: median %.0f images/s "
                "(min %.0f, max %.0f), top-1 %.2f %%\n",
                static_cast<long long>(test.size()),
                static_cast<long long>(analysis::Evaluator::kBatchSize), at::get_num_threads(),
                rates[kRepeats / 2], rates.front(), rates.back(), top1 * 100);
    return 0;
}
