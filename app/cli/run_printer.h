// SPDX-License-Identifier: MIT
// RunPrinter: a stored run as the CLI's JSON object (the documented keys) or as text.
#pragma once

#include "store/run_record.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace quantscope::cli {

class RunPrinter
{
public:
    static nlohmann::json toJson(const store::RunRecord &run,
                                 const std::vector<store::LayerRecord> &layers);
    static void printRun(const store::RunRecord &run,
                         const std::vector<store::LayerRecord> &layers);
    // One line per run, a header first.
    static void printTable(const std::vector<store::RunRecord> &runs);
};

} // namespace quantscope::cli
