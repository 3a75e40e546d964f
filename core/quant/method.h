// SPDX-License-Identifier: MIT
// Method: the interface every quantization method (rtn, dsq, cpq, brecq, alq) implements. A
// method turns a float model plus data into a QuantizedModel, reporting through a JobContext.
#pragma once

#include "data/dataset.h"
#include "data/input_transform.h"
#include "jobs/job_context.h"
#include "method_settings.h"
#include "model/quant_graph.h"
#include "param_spec.h"
#include "quantized_model.h"

#include <memory>
#include <string>
#include <vector>

namespace quantscope::quant {

struct MethodInput
{
    const model::QuantGraph &graph;
    const data::Dataset &train; // calibration / training split
    const data::InputTransform &transform;
    const MethodSettings &settings;
    const data::Dataset *test = nullptr; // for per-epoch evaluation by QAT methods
    int64_t evalLimit = 0;               // > 0: evaluate on the first N test samples
};

class Method
{
public:
    virtual ~Method() = default;
    virtual std::string name() const = 0;  // "rtn": the CLI's --method value
    virtual std::string title() const = 0; // "Round to nearest (RTN)"
    virtual std::vector<ParamSpec> params() const = 0;
    // The setting under which the method chooses every layer's weight bits itself, so the weight
    // bits a run is given have no effect (BRECQ: mixed_precision=true); an empty key: never.
    virtual ParamSpec::Condition weightBitsIgnoredWhen() const { return {}; }
    // Throws quantscope::Error on bad input, quantscope::Cancelled when cancelled.
    virtual QuantizedModel run(const MethodInput &input, jobs::JobContext &context) = 0;

    // Every method by name; throws quantscope::Error listing the known names for a wrong one.
    static std::unique_ptr<Method> create(const std::string &name);
    static std::vector<std::string> names();
};

} // namespace quantscope::quant
