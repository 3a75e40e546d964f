// SPDX-License-Identifier: MIT
// RunRecord and LayerRecord: one quantization run and its per-layer results as the workspace
// stores them. Plain data for the CLI, the GUI's tables and the compare view.
#pragma once

#include <cstdint>
#include <string>

namespace quantscope::store {

struct RunRecord
{
    int64_t id = 0;
    std::string created; // UTC, ISO 8601
    std::string model;   // path of the float model
    std::string data;    // dataset path
    std::string method;
    int wbits = 0;
    int abits = 0;
    std::string configJson; // effective method settings
    std::string status;     // running | finished | failed | cancelled | interrupted
    std::string error;      // why it failed; for a finished run, what cut it short
    double fpTop1 = 0;      // fractions
    double top1 = 0;
    double top5 = 0;
    double avgWbits = 0;
    int64_t sizeBytes = 0;
    int64_t fpSizeBytes = 0;
    double bops = 0; // Σ MACs × wbits × abits per image
    double seconds = 0;
    std::string artifact; // quantized TorchScript model, "" until finished

    // "W4A4", float activations as A32. A run whose method allocated the bits per layer (its
    // config's "allocated_bits", the target) shows the average it reached ("W2.56A4"), or the
    // budget while it has none ("W≤2.5A4"): its request's weight bits said nothing about it.
    std::string bitsLabel() const;
    // The same for a run about to start: targetBits > 0 when its bits are allocated.
    static std::string bitsLabel(int wbits, int abits, double targetBits);
};

struct LayerRecord
{
    int index = 0;
    std::string name;
    std::string kind;
    int64_t params = 0;
    double wbits = 0; // fractional for ALQ
    double abits = 0; // 32 = float
    double sqnrDb = 0;
};

} // namespace quantscope::store
