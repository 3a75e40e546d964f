// SPDX-License-Identifier: MIT
// PadNode: a traced pad — F.pad in any of its modes, nn.ZeroPad2d, nn.ReflectionPad2d,
// nn.ReplicationPad2d, nn.CircularPad2d, a conv's padding_mode — as the packed format can take
// it: its mode and the widths it adds on each side of the last three dimensions.
#pragma once

#include "format/qsm_model.h"

#include <array>
#include <cstdint>
#include <optional>

namespace torch::jit {
struct Node;
} // namespace torch::jit

namespace quantscope::deploy {

struct PadNode
{
    // None for a node of another kind. Throws quantscope::Error naming the node where the pad is
    // one the format has no mode for (a value other than 0) or removes (a negative
    // width) or reaches past the channels.
    static std::optional<PadNode> of(torch::jit::Node *node);

    qsm::PadMode mode = qsm::PadMode::Zeros;
    // As PyTorch lists them, the last dimension first: left, right, top, bottom, channels
    // before, channels after (0 where the node names fewer).
    std::array<int64_t, 6> widths{};
};

} // namespace quantscope::deploy
