// SPDX-License-Identifier: MIT
// RunGrids: the grids a finished run quantized with — per layer the weight grid (lowest level
// and step per output channel) and the activation quantizer of its input — kept beside the run's
// model as quantization.json, so the run can be exported after the process that made it ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quantscope::quant {
struct QuantizedModel;
}

namespace quantscope::deploy {

struct ActivationGrid
{
    int bits = 0;
    double scale = 1, zeroPoint = 0;
    int64_t qmin = 0, qmax = 0;
};

struct LayerGrids
{
    std::string name;
    double wbits = 0;
    int64_t levels = 0;
    std::vector<double> low;  // per output channel (one for a per-tensor grid)
    std::vector<double> step;
    std::optional<ActivationGrid> activation; // none: the layer's input stays float
};

class RunGrids
{
public:
    static constexpr const char *kFileName = "quantization.json";
    // Where the grids of the run whose model is `artifact` are kept: beside it.
    static std::string pathBeside(const std::string &artifact);

    static void save(const quant::QuantizedModel &model, const std::vector<std::string> &names,
                     const std::string &path);
    // Throws quantscope::Error when the file is missing (a run stored before grids were kept)
    // or malformed.
    static std::vector<LayerGrids> load(const std::string &path);
};

} // namespace quantscope::deploy
