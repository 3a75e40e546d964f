// SPDX-License-Identifier: MIT
// ModelMetadata: what QuantScope stores beside a model in the archive's quantscope.json extra
// file — input shape and normalisation — so evaluating a model needs no flags.
#pragma once

#include <string>
#include <vector>

namespace quantscope::model {

struct ModelMetadata
{
    std::vector<int64_t> inputShape; // [C, H, W]
    std::vector<float> mean;         // per channel; empty when unknown
    std::vector<float> std;
    std::string notes;               // free text, e.g. how the model was trained

    // Unknown or malformed JSON gives empty fields, never an error: metadata is a convenience.
    static ModelMetadata parse(const std::string &json);
    std::string toJson() const;
};

} // namespace quantscope::model
