// SPDX-License-Identifier: MIT
// LayerInput, LayerOutput: a low-bit layer's input and output maps as they lie in memory
// (channels last): floats, or codes u = q − qmin, a byte each, of the activation quantizer that
// every layer reading the map applies. A layer whose readers all quantize alike writes their
// codes from its own epilogue: a quarter of the bytes cross memory, and the readers copy codes
// where they would have coded floats (GraphExecutor decides which maps, when it keeps only
// the values it needs).
#pragma once

#include "activation_coder.h"

#include <cstdint>

namespace quantscope::runtime {

struct LayerInput
{
    const float *values = nullptr;
    const uint8_t *codes = nullptr; // where values is null: coded by the reader's own quantizer
};

struct LayerOutput
{
    float *values = nullptr;
    uint8_t *codes = nullptr; // where values is null: the outputs coded by `coder`
    ActivationCoder coder;
};

} // namespace quantscope::runtime
