// SPDX-License-Identifier: MIT
#include "run_grids.h"

#include "error.h"
#include "quant/quantized_model.h"
#include "store/atomic_file.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace quantscope::deploy {

namespace {
std::vector<double> values(const torch::Tensor &t)
{
    const auto d = t.detach().to(torch::kFloat64).flatten().cpu().contiguous();
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}
} // namespace

std::string RunGrids::pathBeside(const std::string &artifact)
{
    return (std::filesystem::path(artifact).parent_path() / kFileName).string();
}

void RunGrids::save(const quant::QuantizedModel &model, const std::vector<std::string> &names,
                    const std::string &path)
{
    nlohmann::json layers = nlohmann::json::array();
    for (size_t i = 0; i < model.weights.size(); ++i) {
        nlohmann::json layer = {{"name", names.at(i)}, {"wbits", model.wbits.at(i)}};
        if (i < model.weightGrids.size() && model.weightGrids[i].levels > 0) {
            const auto &g = model.weightGrids[i];
            layer["weight_grid"] = {{"levels", g.levels}, {"low", values(g.low)},
                                    {"step", values(g.step)}};
        }
        if (i < model.activationGrids.size() && model.activationGrids[i]) {
            const auto &a = *model.activationGrids[i];
            layer["activation"] = {{"bits", a.bits},
                                   {"scale", a.scale.item<double>()},
                                   {"zero_point", a.zeroPoint.to(torch::kFloat64).item<double>()},
                                   {"qmin", a.qmin},
                                   {"qmax", a.qmax}};
        }
        layers.push_back(layer);
    }
    store::AtomicFile::writeText(path, nlohmann::json{{"version", 1}, {"layers", layers}}.dump());
}

std::vector<LayerGrids> RunGrids::load(const std::string &path)
{
    if (!std::filesystem::exists(path))
        throw Error(path + " is missing: the run was stored before QuantScope kept its grids, "
                           "or did not finish; run it again to export it");
    std::ifstream in(path);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    std::vector<LayerGrids> out;
    try {
        for (const auto &layer : j.at("layers")) {
            LayerGrids g;
            g.name = layer.at("name").get<std::string>();
            g.wbits = layer.at("wbits").get<double>();
            if (layer.contains("weight_grid")) {
                const auto &w = layer["weight_grid"];
                g.levels = w.at("levels").get<int64_t>();
                g.low = w.at("low").get<std::vector<double>>();
                g.step = w.at("step").get<std::vector<double>>();
            }
            if (layer.contains("activation")) {
                const auto &a = layer["activation"];
                g.activation = ActivationGrid{a.at("bits").get<int>(), a.at("scale").get<double>(),
                                              a.at("zero_point").get<double>(),
                                              a.at("qmin").get<int64_t>(),
                                              a.at("qmax").get<int64_t>()};
            }
            out.push_back(std::move(g));
        }
    } catch (const nlohmann::json::exception &e) {
        throw Error(path + ": malformed (" + e.what() + ")");
    }
    return out;
}

} // namespace quantscope::deploy
