// SPDX-License-Identifier: MIT
#include "architectures.h"

#include "error.h"

#include <cmath>

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
Module convBn(int64_t in, int64_t out, int64_t kernel, int64_t stride, torch::Generator &gen)
{
    Module m = newModule("ConvBn");
    const double std = std::sqrt(2.0 / double(in * kernel * kernel));
    m.register_parameter("weight", torch::randn({out, in, kernel, kernel}, gen) * std, false);
    m.register_parameter("bn_weight", torch::ones({out}), false);
    m.register_parameter("bn_bias", torch::zeros({out}), false);
    m.register_buffer("running_mean", torch::zeros({out}));
    m.register_buffer("running_var", torch::ones({out}));
    m.register_attribute("stride", c10::IntType::get(), stride);
    m.register_attribute("padding", c10::IntType::get(), kernel / 2);
    m.define(R"(
def forward(self, x):
    y = torch.conv2d(x, self.weight, None, [self.stride, self.stride], [self.padding, self.padding])
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
    return {"resnet8", "plaincnn"};
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
    std::string list;
    for (const auto &n : names())
        list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown architecture '" + name + "' (available: " + list + ")");
}

} // namespace quantscope::train
