// SPDX-License-Identifier: MIT
#include "method_state.h"

#include "atomic_file.h"
#include "error.h"

#include <filesystem>

namespace quantscope::store {

namespace {
// Archive keys name module attributes and may not contain the dots of layer names.
std::string layerKey(size_t index)
{
    return "layer" + std::to_string(index);
}
} // namespace

std::string MethodState::pathBeside(const std::string &artifact)
{
    return (std::filesystem::path(artifact).parent_path() / kFileName).string();
}

void MethodState::save(const std::vector<LayerState> &layers, const std::string &path)
{
    torch::serialize::OutputArchive root;
    for (size_t i = 0; i < layers.size(); ++i) {
        torch::serialize::OutputArchive layer;
        for (const auto &[name, tensor] : layers[i])
            layer.write(name, tensor.detach().cpu().contiguous(), /*is_buffer=*/true);
        root.write(layerKey(i), layer);
    }
    AtomicFile::write(path, [&](const std::string &temporary) {
        try {
            root.save_to(temporary);
        } catch (const std::exception &e) {
            throw Error(path + ": cannot write the method state: " + errorLine(e.what()));
        }
    });
}

std::vector<MethodState::LayerState> MethodState::load(const std::string &path,
                                                       size_t layerCount,
                                                       const std::vector<std::string> &names)
{
    std::vector<LayerState> layers(layerCount);
    try {
        torch::serialize::InputArchive root;
        root.load_from(path);
        for (size_t i = 0; i < layerCount; ++i) {
            torch::serialize::InputArchive layer;
            root.read(layerKey(i), layer);
            for (const auto &name : names) {
                torch::Tensor t;
                layer.read(name, t, /*is_buffer=*/true);
                layers[i].emplace_back(name, t);
            }
        }
    } catch (const std::exception &e) {
        throw Error(path + ": cannot read the method state: " + errorLine(e.what()));
    }
    return layers;
}

} // namespace quantscope::store
