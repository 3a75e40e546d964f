// SPDX-License-Identifier: MIT
// PackedLayer: one conv or linear layer of a run as the packed format holds it — its geometry
// read off the traced node, its weights turned back into codes on the run's own grid, into
// ALQ's binary bases, or kept in float, and the activation quantizer of its input.
#pragma once

#include "format/qsm_model.h"
#include "run_grids.h"
#include "store/method_state.h"

#include <optional>

namespace torch::jit {
struct Node;
}

namespace quantscope::deploy {

class PackedLayer
{
public:
    // bases: the run's stored ALQ state of the layer, or null. Throws quantscope::Error where
    // the node's settings are not expressible or the grid or bases do not reproduce its weights
    // (the run's files do not belong together).
    static qsm::Layer encode(const torch::jit::Node *node, const LayerGrids &grids,
                             const store::MethodState::LayerState *bases);
    // The channels (a linear layer's features) the layer reads: its weight's input channels
    // times its groups, without encoding it.
    static uint32_t inputChannels(const torch::jit::Node *node);
    // A conv's padding="same" where PyTorch pads unevenly (an even kernel: the odd row below,
    // the odd column right) as the pad op to put before it; the layer then pads nothing.
    // None for any other padding, which the layer holds.
    static std::optional<qsm::Op> unevenPadding(const torch::jit::Node *node);
};

} // namespace quantscope::deploy
