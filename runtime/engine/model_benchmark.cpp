// SPDX-License-Identifier: MIT
#include "model_benchmark.h"

#include "format/shape_inference.h"
#include "graph_executor.h"
#include "value_ranges.h"
#include "xnnpack_executor.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>

namespace quantscope::runtime {

namespace {

double percentile(const std::vector<double> &sorted, double q)
{
    const double at = q * double(sorted.size() - 1);
    const size_t lo = size_t(at);
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (at - double(lo)) * (sorted[hi] - sorted[lo]);
}

long peakRssKiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

} // namespace

LatencyStats LatencyStats::of(std::vector<double> seconds)
{
    LatencyStats s;
    if (seconds.empty())
        return s;
    std::sort(seconds.begin(), seconds.end());
    s.min = seconds.front();
    s.max = seconds.back();
    s.p10 = percentile(seconds, 0.1);
    s.median = percentile(seconds, 0.5);
    s.p90 = percentile(seconds, 0.9);
    return s;
}

const std::vector<std::string> &ModelBenchmark::backends()
{
    static const std::vector<std::string> all{"fp32", "int8", "lowbit"};
    return all;
}

std::vector<float> ModelBenchmark::fixedInput() const
{
    std::mt19937 random(2024);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(size_t(m_model.channels) * m_model.height * m_model.width);
    for (auto &v : x)
        v = normal(random);
    return x;
}

std::vector<double> ModelBenchmark::macs(const qsm::Model &model)
{
    const auto shapes = qsm::ShapeInference::infer(model);
    std::vector<double> out(model.ops.size(), 0.0);
    for (size_t i = 0; i < model.ops.size(); ++i) {
        const auto &op = model.ops[i];
        if (op.kind == qsm::OpKind::Conv || op.kind == qsm::OpKind::Linear)
            out[i] = double(qsm::ShapeInference::elements(shapes[op.output])) *
                     double(model.layers[op.layer].rowElements());
    }
    return out;
}

BackendTiming ModelBenchmark::time(const std::string &backend, size_t threads, int warmup,
                                   int repeats) const
{
    BackendTiming t;
    t.backend = backend;
    t.threads = threads;
    t.repeats = repeats;
    const auto input = fixedInput();
    std::function<const std::vector<float> &()> runOnce;
    std::function<const std::vector<double> &()> opSeconds;
    std::unique_ptr<GraphExecutor> graph;
    std::unique_ptr<XnnpackExecutor> int8;
    if (backend == "int8") {
        // Calibrated on the fixed input and a few more of the same noise.
        std::vector<std::vector<float>> calibration{input};
        int8 = std::make_unique<XnnpackExecutor>(
            m_model, ValueRanges::calibrate(m_model, calibration), threads);
        runOnce = [&]() -> const std::vector<float> & { return int8->run(input.data()); };
        opSeconds = [&]() -> const std::vector<double> & { return int8->opSeconds(); };
    } else {
        graph = std::make_unique<GraphExecutor>(m_model, GraphExecutor::backendNamed(backend),
                                                threads, false); // only the output is read
        t.kernel = graph->kernelName();
        runOnce = [&]() -> const std::vector<float> & { return graph->run(input.data()); };
        opSeconds = [&]() -> const std::vector<double> & { return graph->opSeconds(); };
    }
    for (int i = 0; i < warmup; ++i)
        runOnce();
    std::vector<double> latencies;
    std::vector<std::vector<double>> perOp(m_model.ops.size());
    const std::vector<float> *output = nullptr; // the executor's, as the last run left it
    for (int i = 0; i < repeats; ++i) {
        const auto started = std::chrono::steady_clock::now();
        output = &runOnce();
        latencies.push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        const auto &ops = opSeconds();
        for (size_t op = 0; op < ops.size(); ++op)
            perOp[op].push_back(ops[op]);
    }
    t.latency = LatencyStats::of(latencies);
    for (auto &op : perOp) {
        const auto stats = LatencyStats::of(op);
        t.opMedianSeconds.push_back(stats.median);
        t.opFastestSeconds.push_back(stats.min);
    }
    t.output = output ? *output : runOnce();
    t.peakRssKiB = peakRssKiB();
    return t;
}

} // namespace quantscope::runtime
