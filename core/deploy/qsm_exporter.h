// SPDX-License-Identifier: MIT
// QsmExporter: a stored run to a packed model (.qsm, runtime/format/README.md) — the run's
// quantized TorchScript walked op by op, each layer's weights turned back into codes on the
// run's own grid and packed at its bit-width, with the activation quantizers and the input's
// shape and normalisation the run used.
#pragma once

#include "format/qsm_model.h"
#include "store/run_record.h"

#include <string>

namespace quantscope::deploy {

class QsmExporter
{
public:
    // Throws quantscope::Error for a run that did not finish, was stored before grids were
    // kept, or holds an op the format cannot express (named, with its node).
    static qsm::Model build(const store::RunRecord &run);
    // Builds and writes the packed model; returns what was written.
    static qsm::Model exportRun(const store::RunRecord &run, const std::string &path);
};

} // namespace quantscope::deploy
