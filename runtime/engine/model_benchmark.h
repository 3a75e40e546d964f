// SPDX-License-Identifier: MIT
// ModelBenchmark: times one .qsm model on a backend — fp32, int8 (XNNPACK) or lowbit — the same
// way for the agent on a device and for bench/ here: warm-up runs apart, then per run the
// latency and each op's time, summarised as min / p10 / median / p90 / max.
#pragma once

#include "format/qsm_model.h"

#include <string>
#include <vector>

namespace quantscope::runtime {

struct LatencyStats
{
    double min = 0, p10 = 0, median = 0, p90 = 0, max = 0; // seconds

    static LatencyStats of(std::vector<double> seconds);
};

struct BackendTiming
{
    std::string backend;       // fp32 | int8 | lowbit
    std::string kernel;        // the GEMM kernel lowbit chose ("" otherwise)
    size_t threads = 1;
    int repeats = 0;
    LatencyStats latency;
    std::vector<double> opMedianSeconds; // per op of the model
    // Per op, its fastest run: on a host whose speed drifts between runs, the figure that
    // repeats (what comparisons of two builds sum).
    std::vector<double> opFastestSeconds;
    std::vector<float> output;           // for the fixed input
    long peakRssKiB = 0;                 // the process's high-water mark after these runs
};

class ModelBenchmark
{
public:
    explicit ModelBenchmark(const qsm::Model &model) : m_model(model) {}

    // Throws qsm::FormatError for an unknown backend or an op the backend cannot run.
    BackendTiming time(const std::string &backend, size_t threads, int warmup, int repeats) const;

    // The input every backend is timed on and whose outputs are reported: seeded noise, the
    // same on every machine.
    std::vector<float> fixedInput() const;
    // Multiply-accumulates of one image, per op (0 for ops without weights).
    static std::vector<double> macs(const qsm::Model &model);

    static const std::vector<std::string> &backends(); // fp32, int8, lowbit

private:
    const qsm::Model &m_model;
};

} // namespace quantscope::runtime
