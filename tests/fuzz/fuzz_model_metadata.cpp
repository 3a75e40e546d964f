// SPDX-License-Identifier: MIT
// ModelMetadata on hostile JSON (the quantscope.json a model archive carries): malformed input
// gives empty fields, never an exception; what parses survives a round trip.
#include "fuzz_input.h"
#include "model/model_metadata.h"

using namespace quantscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto metadata = model::ModelMetadata::parse(fuzz::FuzzInput(data, size).rest());
    const auto again = model::ModelMetadata::parse(metadata.toJson());
    if (again.inputShape != metadata.inputShape || again.notes != metadata.notes)
        __builtin_trap();
    return 0;
}
