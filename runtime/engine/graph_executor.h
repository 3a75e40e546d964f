// SPDX-License-Identifier: MIT
// GraphExecutor: runs a .qsm model op by op on one of our backends — fp32 (dequantized weights,
// float activations: the plain reference, C×H×W) or lowbit (each quantized layer on codes,
// LowBitLayer; values kept H×W×C, the layout the layers read and write, so none transposes) —
// keeping every value, so per-layer outputs can be compared (or, for timing, only the live ones
// in shared buffers, the maps between low-bit layers as codes), and timing every op.
#pragma once

#include "format/qsm_model.h"
#include "format/shape_inference.h"
#include "kernels/reference/reference_kernels.h"
#include "lowbit_layer.h"
#include "thread_pool.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quantscope::runtime {

enum class Backend { Fp32, LowBit };

class GraphExecutor
{
public:
    // Prepares the weights once (dequantized for fp32, packed for lowbit). The model must have
    // been read by QsmReader or written by QsmWriter (its shapes are checked), and outlive this.
    // keepEveryValue false: a value's buffer is reused once its last reader has run, so value()
    // answers only for the model's output. A whole inference then touches a few buffers instead
    // of one per value, and they stay in cache (ResNet-18 writes 18 MB of feature maps).
    GraphExecutor(const qsm::Model &model, Backend backend, size_t threads = 1,
                  bool keepEveryValue = true);

    // One image, normalised, C×H×W floats. Returns the model's output (logits; C×H×W where
    // the output is a feature map).
    const std::vector<float> &run(const float *input);
    // A value of the last run, C×H×W whatever the backend keeps, by value id (0 is the input).
    // Empty for a value the low-bit backend never writes: a layer's or an add's output whose
    // only reader is a clamp, which is applied as the output is written; and, without
    // keepEveryValue, for every value but the output.
    std::vector<float> value(size_t id) const;
    const std::vector<qsm::Shape> &shapes() const { return m_shapes; }
    // Seconds each op took in the last run, in op order.
    const std::vector<double> &opSeconds() const { return m_opSeconds; }
    // The GEMM kernel the low-bit layers use ("" for fp32).
    std::string kernelName() const;
    // How many maps the low-bit layers pass on as codes (see codeMaps).
    size_t codedMaps() const
    {
        return size_t(std::count_if(m_codedAs.begin(), m_codedAs.end(),
                                    [](const auto &coder) { return coder.has_value(); }));
    }
    // (x − mean) / std of raw pixels in [0, 1], as the model was trained.
    std::vector<float> normalise(const std::vector<float> &pixels) const;

    static Backend backendNamed(const std::string &name); // "fp32" | "lowbit"

private:
    // The low-bit backend keeps feature maps channels last.
    bool channelsLast(size_t value) const { return m_lowBitBackend && m_shapes[value].size() == 3; }
    void fuseClamps();
    // Without keepEveryValue: a map read only by low-bit layers of one activation quantizer is
    // written as their codes (a byte a value) by the low-bit layer that makes it, clamp fused,
    // and its readers copy codes where they would have coded floats.
    void codeMaps();
    // Each layer the bit-serial kernel serves keeps whichever of its two kernels is faster where
    // it runs: in the model, between its neighbours. (Timed alone with its data in cache, the
    // bit-serial kernel won on ResNet-18's 56×56 maps, where in the model it lost.) Then, on
    // more than one thread, each layer keeps all of them or the calling thread alone, likewise.
    void chooseKernels();
    // A layer our kernels do not run on codes: the oracle's kernel, on the quantized input where
    // the low-bit backend serves the run's activation quantizers (binary bases, wide ranges).
    void runReferenceLayer(const qsm::Op &op);

    // A value's floats: a part of one of m_buffers (empty where never written).
    struct Value
    {
        float *ptr = nullptr;
        size_t count = 0;
        float *data() const { return ptr; }
        size_t size() const { return count; }
        bool empty() const { return count == 0; }
        float *begin() const { return ptr; }
        float *end() const { return ptr + count; }
    };
    uint8_t *codes(size_t value) const // a coded value's bytes
    {
        return reinterpret_cast<uint8_t *>(m_values[value].data());
    }
    // Buffers for the values: one each, or shared by values that are never live together.
    void placeValues(const std::vector<size_t> &elements);

    const qsm::Model &m_model;
    bool m_lowBitBackend; // maps channels last; the run's activation quantizers apply
    ThreadPool m_pool;
    std::vector<qsm::Shape> m_shapes;
    std::vector<std::vector<float>> m_weights;            // per layer, dequantized (float path)
    std::vector<std::unique_ptr<LowBitLayer>> m_lowBit;   // per layer, null where float
    bool m_keepEveryValue;
    std::vector<std::vector<float>> m_buffers;
    std::vector<Value> m_values;
    // Per value: the quantizer whose codes it is kept as, in its buffer's bytes (none: floats).
    std::vector<std::optional<ActivationCoder>> m_codedAs;

    std::vector<float> m_inScratch, m_outScratch; // a float layer's C×H×W input and output
    std::vector<float> m_output;                  // the output, C×H×W
    std::vector<double> m_opSeconds;
    ReferenceKernels::NormScratch m_norm; // a norm's statistics, for the image at hand
    // Per op: the clamp applied as it writes (its op index), or the op's own index; a fused
    // clamp is skipped when its turn comes.
    std::vector<size_t> m_clampOf;
    std::vector<bool> m_fusedAway;
    // Per channel slice or shuffle, the input channel of each output channel (else empty).
    std::vector<std::vector<uint32_t>> m_channelSources;
};

} // namespace quantscope::runtime
