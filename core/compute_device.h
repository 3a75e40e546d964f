// SPDX-License-Identifier: MIT
// ComputeDevice: where a run computes — the CPU, or a CUDA GPU of the LibTorch it was built with.
#pragma once

#include <c10/core/Device.h>

#include <string>
#include <vector>

namespace quantscope {

class ComputeDevice
{
public:
    // "cpu", "cuda" (the first GPU) or "cuda:N". Throws quantscope::Error naming what is wrong:
    // a malformed name, a LibTorch without CUDA or no GPU visible, an index past the last GPU.
    static c10::Device parse(const std::string &name);
    // Whether this LibTorch was built with CUDA and sees at least one GPU.
    static bool cudaAvailable();
    // "cpu", then "cuda:0" … for every GPU visible.
    static std::vector<std::string> available();
    // Why a CUDA device cannot be chosen here, for a GUI that offers only the CPU.
    static const char *whyCpuOnly();
    // Before a run on `device`: on a GPU, cuDNN's deterministic algorithms without benchmarking
    // and cuBLAS's fixed workspace, so that a GPU run repeats exactly where its ops allow
    // (floating-point atomics in some backward passes do not); for the whole process.
    static void prepare(const c10::Device &device);
};

} // namespace quantscope
