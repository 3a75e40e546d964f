// SPDX-License-Identifier: MIT
// QuantizeJob: one whole quantization run — import, evaluate in float, run the method, evaluate
// the result, measure it, save the quantized model and record everything in the workspace.
// Shared by quantscope-cli and the GUI.
#pragma once

#include "job.h"
#include "model_inputs.h"
#include "store/run_record.h"

#include <map>
#include <string>
#include <vector>

namespace quantscope::jobs {

struct QuantizeRequest
{
    std::string modelPath;
    std::string dataPath;
    std::string method = "rtn";
    int wbits = 4;
    int abits = 32;
    std::map<std::string, std::string> settings; // --set key=value
    std::map<std::string, int> layerBits;        // per-layer weight bits by name
    InputOverrides inputs;
    std::string workspaceDir;
    int64_t evalLimit = 0; // > 0: evaluate on the first N test images only
    std::string device = "cpu"; // ComputeDevice::parse: cpu, cuda or cuda:N
};

class QuantizeJob : public Job
{
public:
    explicit QuantizeJob(QuantizeRequest request);

    std::string title() const override;
    // Bad input (model, data, settings) throws quantscope::Error before a run is recorded; a
    // failure or cancel after that is recorded on the run and rethrown.
    void run(JobContext &context) override;

    // Valid after run(): the run as stored, and its per-layer rows. runId() is set as soon as
    // the run is recorded (0 before).
    const store::RunRecord &record() const { return m_record; }
    const std::vector<store::LayerRecord> &layers() const { return m_layers; }
    int64_t runId() const { return m_record.id; }

private:
    QuantizeRequest m_request;
    store::RunRecord m_record;
    std::vector<store::LayerRecord> m_layers;
};

} // namespace quantscope::jobs
