// SPDX-License-Identifier: MIT
#include "model_check.h"

#include "json_field.h"

#include <algorithm>
#include <cmath>

namespace quantscope::deploy {

ModelCheck ModelCheck::compare(const nlohmann::json &bench,
                               const std::vector<ModelledBackend> &predicted,
                               const qsm::Model &model)
{
    ModelCheck check;
    for (const auto &b : jsonField(bench, "backends", nlohmann::json::array())) {
        const std::string name = jsonField(b, "backend", std::string());
        const auto p = std::find_if(predicted.begin(), predicted.end(),
                                    [&](const ModelledBackend &m) { return m.backend == name; });
        if (p == predicted.end())
            continue;
        const auto ops = jsonField(b, "ops", nlohmann::json::array());
        if (ops.size() != model.ops.size())
            continue;
        CheckedBackend c;
        c.backend = name;
        c.modelled = p->seconds;
        std::vector<double> layerErrors;
        for (size_t i = 0; i < ops.size(); ++i) {
            const double measured = jsonField(ops[i], "median_s", 0.0);
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
