// SPDX-License-Identifier: MIT
// MethodState: a run's per-layer method state (QuantizedModel::layerState — ALQ's bases,
// scales, masks and moments) as one LibTorch archive beside the run's model, so a run can be
// shown and exported after the process that made it ends.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace quantscope::store {

class MethodState
{
public:
    using LayerState = std::vector<std::pair<std::string, torch::Tensor>>;
    static constexpr const char *kFileName = "method_state.pt";
    // Where the state of the run whose model is `artifact` is kept: beside it.
    static std::string pathBeside(const std::string &artifact);

    static void save(const std::vector<LayerState> &layers, const std::string &path);
    // Every layer's tensors under the names `names` (those saved). Throws quantscope::Error for
    // a missing or unreadable file, or one without a named tensor.
    static std::vector<LayerState> load(const std::string &path, size_t layerCount,
                                        const std::vector<std::string> &names);
};

} // namespace quantscope::store
