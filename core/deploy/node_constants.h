// SPDX-License-Identifier: MIT
// NodeConstants: the constants a traced node's inputs hold, as the packed model's exporter
// reads them — a conv's stride, a pool's window, a view's sizes (some read off the map at run
// time, so absent here), a split's dimension, a number in arithmetic — and the node's own text
// for the exporter's messages.
#pragma once

#include "format/shape_inference.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace at {
class Tensor;
} // namespace at

namespace torch::jit {
struct Node;
struct Value;
} // namespace torch::jit

namespace quantscope::deploy {

class NodeConstants
{
public:
    // The shape of a tensor the model computes, at the fixed input (batch left out).
    using ShapeOf = std::function<qsm::Shape(torch::jit::Value *)>;
    // A list of integers the node reads, constant or read off the map at the fixed input
    // (F.avg_pool2d(x, x.size()[2:])); throws quantscope::Error naming `what` where it is neither.
    using IntsOf = std::function<std::vector<int64_t>(torch::jit::Value *, const char *what)>;

    // A constant list of integers; throws quantscope::Error naming `what` and the node's kind
    // where the model computes it.
    static std::vector<int64_t> ints(torch::jit::Value *v, const char *what,
                                     const torch::jit::Node *node);
    // The node as a message quotes it: its line of the graph.
    static std::string text(const torch::jit::Node *node);
    // The exporter's refusal: "the packed format cannot express <text>: <why>".
    [[noreturn]] static void refuse(const torch::jit::Node *node, const std::string &why);
    // A constant tensor's values in float, in its elements' order.
    static std::vector<float> floats(const at::Tensor &t);
    // A constant integer, or none.
    static std::optional<int64_t> integer(torch::jit::Value *v);
    // A constant number: a scalar, or a tensor of one element (what tracing makes of x + 3.);
    // none otherwise.
    static std::optional<double> number(torch::jit::Value *v);
    // The elements of a size list: constants where they are, none where the model reads a size
    // (x.size(0)); empty for a list that is neither constant nor built in the graph.
    static std::vector<std::optional<int64_t>> sizes(torch::jit::Value *list);
};

} // namespace quantscope::deploy
