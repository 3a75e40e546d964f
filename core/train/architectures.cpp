// SPDX-License-Identifier: MIT
#include "architectures.h"

#include "error.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace quantscope::train {

namespace {

using torch::jit::Module;

// Modules built with define() see `self` as a plain object, so submodules are called as
// self.sub.forward(x), and `torch.` names resolve to aten ops (torch.linear is aten::linear).
// Module::train()/eval() flip a "training" attribute that every module must carry.
Module newModule(const std::string &name)
{
    Module m(name);
    m.register_attribute("training", c10::BoolType::get(), true);
    return m;
}

// conv (no bias) + BatchNorm; BN runs on batch statistics while self.training is true.
// groups == in == out makes it depthwise.
Module convBn(int64_t in, int64_t out, int64_t kernel, int64_t stride, torch::Generator &gen,
              int64_t groups = 1)
{
    Module m = newModule("ConvBn");
    const int64_t fanIn = in / groups * kernel * kernel;
    const double std = std::sqrt(2.0 / double(fanIn));
    m.register_parameter("weight", torch::randn({out, in / groups, kernel, kernel}, gen) * std,
                         false);
    m.register_parameter("bn_weight", torch::ones({out}), false);
    m.register_parameter("bn_bias", torch::zeros({out}), false);
    m.register_buffer("running_mean", torch::zeros({out}));
    m.register_buffer("running_var", torch::ones({out}));
    m.register_attribute("stride", c10::IntType::get(), stride);
    m.register_attribute("padding", c10::IntType::get(), kernel / 2);
    m.register_attribute("groups", c10::IntType::get(), groups);
    m.define(R"(
def forward(self, x):
    y = torch.conv2d(x, self.weight, None, [self.stride, self.stride], [self.padding, self.padding],
                     [1, 1], self.groups)
    return torch.batch_norm(y, self.bn_weight, self.bn_bias, self.running_mean, self.running_var,
                            self.training, 0.1, 1e-5, False)
)");
    return m;
}

Module residualBlock(int64_t in, int64_t out, int64_t stride, torch::Generator &gen)
{
    const bool projection = stride != 1 || in != out;
    Module m = newModule(projection ? "ProjectionBlock" : "IdentityBlock");
    m.register_module("conv1", convBn(in, out, 3, stride, gen));
    m.register_module("conv2", convBn(out, out, 3, 1, gen));
    if (projection) {
        m.register_module("shortcut", convBn(in, out, 1, stride, gen));
        m.define(R"(
def forward(self, x):
    y = self.conv2.forward(torch.relu(self.conv1.forward(x)))
    return torch.relu(y + self.shortcut.forward(x))
)");
    } else {
        m.define(R"(
def forward(self, x):
    y = self.conv2.forward(torch.relu(self.conv1.forward(x)))
    return torch.relu(y + x)
)");
    }
    return m;
}

// MobileNetV2's inverted residual: 1×1 expansion (left out at expansion 1), 3×3 depthwise,
// 1×1 linear projection; ReLU6 after the first two; a shortcut where shape allows.
Module invertedResidual(int64_t in, int64_t out, int64_t stride, int64_t expansion,
                        torch::Generator &gen)
{
    const int64_t hidden = in * expansion;
    const bool shortcut = stride == 1 && in == out;
    Module m = newModule(shortcut ? "InvertedResidual" : "InvertedBottleneck");
    if (expansion != 1)
        m.register_module("expand", convBn(in, hidden, 1, 1, gen));
    m.register_module("depthwise", convBn(hidden, hidden, 3, stride, gen, hidden));
    m.register_module("project", convBn(hidden, out, 1, 1, gen));
    const std::string expand =
        expansion != 1 ? "    x = torch.hardtanh(self.expand.forward(x), 0.0, 6.0)\n" : "";
    const std::string body = "    x = torch.hardtanh(self.depthwise.forward(x), 0.0, 6.0)\n"
                             "    x = self.project.forward(x)\n";
    m.define("def forward(self, x):\n" + std::string(shortcut ? "    identity = x\n" : "") +
             expand + body + (shortcut ? "    return x + identity\n" : "    return x\n"));
    return m;
}

void addHead(Module &m, int64_t features, int64_t classes, torch::Generator &gen)
{
    Module fc = newModule("Linear");
    const double bound = 1.0 / std::sqrt(double(features));
    fc.register_parameter("weight", torch::rand({classes, features}, gen) * (2 * bound) - bound,
                          false);
    fc.register_parameter("bias", torch::zeros({classes}), false);
    fc.define(R"(
def forward(self, x):
    return torch.linear(x, self.weight, self.bias)
)");
    m.register_module("fc", fc);
}

} // namespace

std::vector<std::string> Architectures::names()
{
    return {"resnet8", "plaincnn", "mobilenetv2"};
}

Module Architectures::create(const std::string &name, int64_t inputChannels, int64_t classes,
                             int64_t width, uint64_t seed)
{
    if (width < 1 || inputChannels < 1 || classes < 2)
        throw Error("architecture: width, input channels and classes must be positive");
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    if (name == "resnet8") {
        Module m = newModule("ResNet8");
        m.register_module("stem", convBn(inputChannels, width, 3, 1, gen));
        m.register_module("layer1", residualBlock(width, width, 1, gen));
        m.register_module("layer2", residualBlock(width, 2 * width, 2, gen));
        m.register_module("layer3", residualBlock(2 * width, 4 * width, 2, gen));
        addHead(m, 4 * width, classes, gen);
        m.define(R"(
def forward(self, x):
    x = torch.relu(self.stem.forward(x))
    x = self.layer3.forward(self.layer2.forward(self.layer1.forward(x)))
    x = torch.mean(x, [2, 3])
    return self.fc.forward(x)
)");
        return m;
    }
    if (name == "plaincnn") {
        Module m = newModule("PlainCnn");
        m.register_module("conv1", convBn(inputChannels, width, 3, 1, gen));
        m.register_module("conv2", convBn(width, 2 * width, 3, 2, gen));
        m.register_module("conv3", convBn(2 * width, 2 * width, 3, 1, gen));
        m.register_module("conv4", convBn(2 * width, 4 * width, 3, 2, gen));
        addHead(m, 4 * width, classes, gen);
        m.define(R"(
def forward(self, x):
    x = torch.relu(self.conv2.forward(torch.relu(self.conv1.forward(x))))
    x = torch.relu(self.conv4.forward(torch.relu(self.conv3.forward(x))))
    x = torch.mean(x, [2, 3])
    return self.fc.forward(x)
)");
        return m;
    }
    if (name == "mobilenetv2") {
        // MobileNetV2's layout shrunk to 28×28 inputs: widths w … 8w, two downsamplings.
        Module m = newModule("MobileNetV2");
        const int64_t w = width, w3 = std::max<int64_t>(1, 3 * width / 2);
        m.register_module("stem", convBn(inputChannels, w, 3, 1, gen));
        const struct { int64_t in, out, stride, expansion; } blocks[] = {
            {w, w, 1, 1},       {w, w3, 2, 6},          {w3, w3, 1, 6},
            {w3, 2 * w, 2, 6},  {2 * w, 2 * w, 1, 6},   {2 * w, 4 * w, 1, 6}};
        std::string body;
        for (size_t i = 0; i < std::size(blocks); ++i) {
            const auto &b = blocks[i];
            const std::string block = "block" + std::to_string(i + 1);
            m.register_module(block, invertedResidual(b.in, b.out, b.stride, b.expansion, gen));
            body += "    x = self." + block + ".forward(x)\n";
        }
        m.register_module("last", convBn(4 * w, 8 * w, 1, 1, gen));
        addHead(m, 8 * w, classes, gen);
        m.define("def forward(self, x):\n"
                 "    x = torch.hardtanh(self.stem.forward(x), 0.0, 6.0)\n" + body +
                 "    x = torch.hardtanh(self.last.forward(x), 0.0, 6.0)\n"
                 "    x = torch.mean(x, [2, 3])\n"
                 "    return self.fc.forward(x)\n");
        return m;
    }
    std::string list;
    for (const auto &n : names())
        list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown architecture '" + name + "' (available: " + list + ")");
}

} // namespace quantscope::train
