// SPDX-License-Identifier: MIT
#include "node_constants.h"

#include "error.h"

#include <torch/csrc/jit/ir/ir.h>

#include <sstream>
#include <string>

namespace quantscope::deploy {

std::vector<int64_t> NodeConstants::ints(torch::jit::Value *v, const char *what,
                                         const torch::jit::Node *node)
{
    const auto c = torch::jit::toIValue(v);
    if (!c || !c->isIntList())
        throw Error(std::string("the packed format needs a constant ") + what + " for " +
                    node->kind().toQualString());
    return c->toIntVector();
}

void NodeConstants::refuse(const torch::jit::Node *node, const std::string &why)
{
    throw Error("the packed format cannot express " + text(node) + ": " + why);
}

std::string NodeConstants::text(const torch::jit::Node *node)
{
    std::ostringstream out;
    out << *node;
    std::string text = out.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

std::vector<float> NodeConstants::floats(const at::Tensor &t)
{
    const auto values = t.to(torch::kFloat32).contiguous();
    return {values.data_ptr<float>(), values.data_ptr<float>() + values.numel()};
}

std::optional<int64_t> NodeConstants::integer(torch::jit::Value *v)
{
    const auto c = torch::jit::toIValue(v);
    return c && c->isInt() ? std::optional<int64_t>(c->toInt()) : std::nullopt;
}

std::optional<double> NodeConstants::number(torch::jit::Value *v)
{
    const auto c = torch::jit::toIValue(v);
    if (c && (c->isDouble() || c->isInt()))
        return c->toScalar().toDouble();
    if (c && c->isTensor() && c->toTensor().numel() == 1)
        return c->toTensor().item<double>();
    return std::nullopt;
}

std::vector<std::optional<int64_t>> NodeConstants::sizes(torch::jit::Value *list)
{
    if (const auto c = torch::jit::toIValue(list); c && c->isIntList()) {
        const auto values = c->toIntVector();
        return {values.begin(), values.end()};
    }
    std::vector<std::optional<int64_t>> elements;
    if (list->node()->kind() != c10::prim::ListConstruct)
        return elements;
    for (torch::jit::Value *v : list->node()->inputs())
        elements.push_back(integer(v));
    return elements;
}

} // namespace quantscope::deploy
