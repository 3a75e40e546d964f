// SPDX-License-Identifier: MIT
#include "compute_device.h"

#include "error.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

#include <cstdlib>

namespace quantscope {

bool ComputeDevice::cudaAvailable()
{
    return torch::cuda::is_available();
}

std::vector<std::string> ComputeDevice::available()
{
    std::vector<std::string> out{"cpu"};
    if (cudaAvailable())
        for (size_t i = 0; i < torch::cuda::device_count(); ++i)
            out.push_back("cuda:" + std::to_string(i));
    return out;
}

const char *ComputeDevice::whyCpuOnly()
{
    return "No GPU: this QuantScope's LibTorch has no CUDA, or no GPU is visible. Build it "
           "against a CUDA LibTorch (README: Building headless, against another LibTorch).";
}

void ComputeDevice::prepare(const c10::Device &device)
{
    if (!device.is_cuda())
        return;
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
    // Read when cuBLAS first starts in this process (NVIDIA's documented setting for
    // reproducible results); a value the user set is kept.
    setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0);
}

c10::Device ComputeDevice::parse(const std::string &name)
{
    if (name == "cpu")
        return c10::Device(c10::kCPU);
    const std::string prefix = "cuda";
    const std::string digits = name.size() > prefix.size() ? name.substr(prefix.size() + 1) : "0";
    const bool wellFormed =
        name.compare(0, prefix.size(), prefix) == 0 &&
        (name.size() == prefix.size() || name[prefix.size()] == ':') && !digits.empty() &&
        digits.size() <= 3 && digits.find_first_not_of("0123456789") == std::string::npos;
    if (!wellFormed)
        throw Error("device \"" + name + "\": expected cpu, cuda or cuda:N");
    const int index = std::stoi(digits);
    if (!cudaAvailable())
        throw Error("device \"" + name + "\": " + whyCpuOnly() + " Or use cpu.");
    const auto count = static_cast<int>(torch::cuda::device_count());
    if (index >= count)
        throw Error("device \"" + name + "\": " +
                    (count == 1 ? std::string("there is one GPU, cuda:0")
                                : "there are " + std::to_string(count) + " GPUs, cuda:0 … cuda:" +
                                      std::to_string(count - 1)));
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

} // namespace quantscope
