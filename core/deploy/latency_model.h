// SPDX-License-Identifier: MIT
// LatencyModel: a packed model's per-op latency on a core we may not have, predicted — never
// measured. For every GEMM kernel a backend would run there (our low-bit kernel, XNNPACK's int8
// igemm, the fp32 reference), the hot loop is cut out of the binary (KernelLoop) and timed by
// llvm-mca on the core's scheduling model (LoopCycles). A conv or linear op then costs
//     padded MACs / MACs per iteration × cycles per iteration / clock
//   + (weight, input and output bytes) / one core's DRAM bandwidth,
// where the padding is the kernel's tile (rows × channels, k rounded up to its step); every
// other op costs its bytes alone. A layer that a bit-serial kernel serves costs, in the low-bit
// backend, the lower of the two kernels' figures: the runtime times both at load and keeps the
// faster. A depthwise conv is no GEMM in either runtime (as one, each channel would be a group
// padded to a whole tile, 64 times its work): it costs its MACs, channels padded to the lanes,
// at the rate of our depthwise kernel's loop — also in the int8 column, since Debian's XNNPACK
// does not export its depthwise kernels (on this machine ours and XNNPACK's summed depthwise
// convs of MobileNetV2 lie within 20 % of each other). The assumptions (README "Modelled ARM
// cores"): one core, the steady-state loop only (no edges, no packing, no cache misses beyond
// compulsory traffic).
#pragma once

#include "modelled_core.h"

#include "format/qsm_model.h"

#include <string>
#include <utility>
#include <vector>

namespace quantscope::deploy {

struct KernelCost
{
    std::string backend;  // fp32 | int8 | lowbit
    std::string kernel;   // "neon-dot", an XNNPACK kernel's name…
    std::string function; // where its loop was found
    double cyclesPerIteration = 0, macsPerIteration = 0;
    int rows = 1, channels = 1, kStep = 1; // the tile the kernel pads a layer's GEMM to
    int activationBytes = 1;               // per element read and written (4: float)
    int weightBytes = 1;
    unsigned long functionAddress = 0, loopAddress = 0; // in the binary its loop came from
    // A bit-serial kernel serves only these widths, and only as the low-bit backend's
    // alternative on the layers it can run (0: a backend's kernel for every layer).
    int weightBits = 0, activationBits = 0;
    // A depthwise conv's kernel (channels in the lanes, `channels` of them, every tap a
    // multiply-accumulate per lane), for those layers alone; no backend of its own.
    bool depthwise = false;
};

// A conv or linear layer as a kernel walks it: tiles of `rows` output positions × `channels`
// output channels, each a GEMM of `depth` k values (padded to the kernel's step), per group.
struct GemmWork
{
    double groups = 1, rowTiles = 0, channelTiles = 0, depth = 0;

    double tiles() const { return groups * rowTiles * channelTiles; }
};

struct ModelledBackend
{
    std::string backend, kernel;
    std::vector<double> opSeconds; // per op of the model
    double seconds = 0;
};

class LatencyModel
{
public:
    struct Binaries
    {
        std::string agent;   // the quantscope-agent built for the core's architecture
        std::string xnnpack; // XNNPACK's library for it; "" where int8 is not modelled
    };

    // Finds and times every backend's loop; one that cannot be (a stripped binary, a missing
    // tool) is left out with its reason in skipped(). Throws quantscope::Error when none can.
    LatencyModel(ModelledCore core, const Binaries &binaries);
    // From known costs (tests, and a model read back).
    LatencyModel(ModelledCore core, std::vector<KernelCost> kernels);

    std::vector<ModelledBackend> predict(const qsm::Model &model) const;
    // The work of a conv or linear op for kernel `k`; `out` is its output's shape.
    static GemmWork gemmWork(const KernelCost &k, const qsm::Layer &layer, qsm::OpKind kind,
                             const std::vector<uint32_t> &out);

    const ModelledCore &core() const { return m_core; }
    const std::vector<KernelCost> &kernels() const { return m_kernels; }
    // Per backend left out: its name and why.
    const std::vector<std::pair<std::string, std::string>> &skipped() const { return m_skipped; }

private:
    double opSeconds(const KernelCost &kernel, const qsm::Model &model, const qsm::Op &op,
                     const std::vector<std::vector<uint32_t>> &shapes) const;
    // The bit-serial kernel for the widths of `op`'s layer where one serves it, else null.
    const KernelCost *bitSerialFor(const qsm::Model &model, const qsm::Op &op) const;
    // The depthwise kernel that stands for `backend`'s where its layers are depthwise (the
    // low-bit and int8 backends); null for fp32, whose reference loop is untiled already.
    const KernelCost *depthwiseFor(const std::string &backend) const;

    ModelledCore m_core;
    std::vector<KernelCost> m_kernels;
    std::vector<std::pair<std::string, std::string>> m_skipped;
};

} // namespace quantscope::deploy
