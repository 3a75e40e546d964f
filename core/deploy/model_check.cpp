// SPDX-License-Identifier: MIT
#include "model_check.h"

#include "json_field.h"

#include <algorithm>
#include <cmath>

namespace quantscope::deploy {

std::vector<MeasuredBackend> ModelCheck::fromAgent(const nlohmann::json &bench)
{
    std::vector<MeasuredBackend> out;
    for (const auto &b : jsonField(bench, "backends", nlohmann::json::array())) {
        MeasuredBackend m{jsonField(b, "backend", std::string()), {}};
        for (const auto &op : jsonField(b, "ops", nlohmann::json::array()))
            m.opSeconds.push_back(jsonField(op, "median_s", 0.0));
        out.push_back(std::move(m));
    }
    return out;
}

ModelCheck ModelCheck::compare(const std::vector<MeasuredBackend> &measuredBackends,
                               const std::vector<ModelledBackend> &predicted,
                               const qsm::Model &model)
{
    ModelCheck check;
    for (const auto &b : measuredBackends) {
        const std::string &name = b.backend;
        const auto p = std::find_if(predicted.begin(), predicted.end(),
                                    [&](const ModelledBackend &m) { return m.backend == name; });
        if (p == predicted.end())
            continue;
        const auto &ops = b.opSeconds;
        if (ops.size() != model.ops.size())
            continue;
        CheckedBackend c;
        c.backend = name;
        c.modelled = p->seconds;
        std::vector<double> layerErrors;
        for (size_t i = 0; i < ops.size(); ++i) {
            const double measured = ops[i];
            c.measured += measured;
            const auto kind = model.ops[i].kind;
            if ((kind == qsm::OpKind::Conv || kind == qsm::OpKind::Linear) && measured > 0)
                layerErrors.push_back(std::fabs(p->opSeconds[i] - measured) / measured);
        }
        if (c.measured <= 0)
            continue;
        c.error = (c.modelled - c.measured) / c.measured;
        if (!layerErrors.empty()) {
            std::nth_element(layerErrors.begin(), layerErrors.begin() + layerErrors.size() / 2,
                             layerErrors.end());
            c.medianLayerError = layerErrors[layerErrors.size() / 2];
        }
        check.backends.push_back(c);
    }
    return check;
}

double ModelCheck::errorOf(const std::string &backend) const
{
    for (const auto &b : backends)
        if (b.backend == backend)
            return std::fabs(b.error);
    return -1;
}

nlohmann::json ModelCheck::toJson() const
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto &b : backends)
        list.push_back({{"backend", b.backend},
                        {"measured_s", b.measured},
                        {"modelled_s", b.modelled},
                        {"error", b.error},
                        {"median_layer_error", b.medianLayerError}});
    return {{"cpu", cpu},
            {"llvm_cpu", llvmCpu},
            {"clock_ghz", clockGHz},
            {"backends", list},
            {"skipped", skipped}};
}

} // namespace quantscope::deploy
