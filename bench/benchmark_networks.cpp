// SPDX-License-Identifier: MIT
#include "benchmark_networks.h"

#include "format/model_builder.h"

#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace quantscope::bench {

namespace {

uint32_t basicBlock(qsm::ModelBuilder &b, uint32_t x, uint32_t in, uint32_t out, uint32_t stride,
                    const qsm::LayerBits &bits)
{
    auto y = b.relu(b.conv(x, out, 3, stride, 1, 1, bits));
    y = b.conv(y, out, 3, 1, 1, 1, bits);
    const auto shortcut = stride != 1 || in != out ? b.conv(x, out, 1, stride, 0, 1, bits) : x;
    return b.relu(b.add(y, shortcut));
}

qsm::Model resnet(const NetworkConfig &c, bool imagenet)
{
    const qsm::LayerBits edge{8, 8, 0.0f, true}, body{c.wbits, c.abits, 0.0f, false};
    if (!imagenet) { // the demo's ResNet-8: 16-32-64 channels, one block per stage, 28×28×1
        qsm::ModelBuilder b(1, 28, 28);
        auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 16, 3, 1, 1, 1, edge));
        x = basicBlock(b, x, 16, 16, 1, body);
        x = basicBlock(b, x, 16, 32, 2, body);
        x = basicBlock(b, x, 32, 64, 2, body);
        x = b.flatten(b.globalAvgPool(x));
        return b.build(b.linear(x, 10, qsm::LayerBits{8, 8, 0.0f, false}));
    }
    qsm::ModelBuilder b(3, 224, 224);
    auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 64, 7, 2, 3, 1, edge));
    x = b.maxPool(x, 3, 2, 1);
    uint32_t channels = 64;
    for (uint32_t stage = 0; stage < 4; ++stage) {
        const uint32_t out = 64u << stage;
        x = basicBlock(b, x, channels, out, stage == 0 ? 1 : 2, body);
        x = basicBlock(b, x, out, out, 1, body);
        channels = out;
    }
    x = b.flatten(b.globalAvgPool(x));
    return b.build(b.linear(x, 1000, qsm::LayerBits{8, 8, 0.0f, false}));
}

qsm::Model mobilenetV2(const NetworkConfig &c)
{
    const qsm::LayerBits edge{8, 8, 0.0f, true}, body{c.wbits, c.abits, 0.0f, false};
    // The projection's input follows a ReLU6; its output (the block's) is linear, so the next
    // expansion sees signed values: centred codes there.
    const qsm::LayerBits signedBody{c.wbits, c.abits, 0.0f, true};
    qsm::ModelBuilder b(3, 224, 224);
    auto x = b.clamp(b.conv(qsm::ModelBuilder::kInput, 32, 3, 2, 1, 1, edge), 0, 6);
    uint32_t channels = 32;
    const uint32_t table[][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                 {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
    bool signedInput = false;
    for (const auto &row : table)
        for (uint32_t i = 0; i < row[2]; ++i) {
            const uint32_t stride = i == 0 ? row[3] : 1, hidden = channels * row[0];
            auto y = x;
            if (row[0] != 1)
                y = b.clamp(b.conv(y, hidden, 1, 1, 0, 1, signedInput ? signedBody : body), 0, 6);
            y = b.clamp(b.conv(y, hidden, 3, stride, 1, hidden, body), 0, 6);
            y = b.conv(y, row[1], 1, 1, 0, 1, body);
            x = stride == 1 && channels == row[1] ? b.add(x, y) : y;
            channels = row[1];
            signedInput = true;
        }
    x = b.clamp(b.conv(x, 1280, 1, 1, 0, 1, signedBody), 0, 6);
    x = b.flatten(b.globalAvgPool(x));
    return b.build(b.linear(x, 1000, qsm::LayerBits{8, 8, 0.0f, false}));
}

} // namespace

bool parseOptions(int argc, char **argv, std::map<std::string, std::string> &options)
{
    bool layers = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--layers") == 0)
            layers = true;
        else if (argv[i][0] == '-' && i + 1 < argc)
            options[argv[i] + 2] = argv[i + 1], ++i;
    }
    return layers;
}

NetworkConfig NetworkConfig::parse(const std::string &name)
{
    NetworkConfig c{name, 0, 0};
    if (std::sscanf(name.c_str(), "W%uA%u", &c.wbits, &c.abits) != 2)
        throw std::runtime_error("a configuration is WxAy, not " + name);
    return c;
}

std::vector<std::string> splitList(const std::string &text)
{
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        out.push_back(item);
    return out;
}

qsm::Model buildNetwork(const std::string &name, const NetworkConfig &c)
{
    if (name == "resnet8")
        return resnet(c, false);
    if (name == "resnet18")
        return resnet(c, true);
    if (name == "mobilenetv2")
        return mobilenetV2(c);
    throw std::runtime_error("unknown model " + name);
}


} // namespace quantscope::bench
