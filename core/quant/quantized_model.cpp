// SPDX-License-Identifier: MIT
#include "quantized_model.h"

namespace quantscope::quant {

void QuantizedModel::applyTo(model::QuantSession &session) const
{
    for (size_t i = 0; i < weights.size(); ++i) {
        const int layer = static_cast<int>(i);
        session.setWeight(layer, weights[i]);
        if (i < activationGrids.size() && activationGrids[i]) {
            const QuantGrid grid = *activationGrids[i];
            session.setActivationQuantizer(layer, [grid](const torch::Tensor &x) {
                return grid.fakeQuantize(x);
            });
        } else {
            session.setActivationQuantizer(layer, nullptr);
        }
    }
}

} // namespace quantscope::quant
