// SPDX-License-Identifier: MIT
#include "node_constants.h"

#include "error.h"

#include <torch/csrc/jit/ir/ir.h>

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

std::optional<int64_t> NodeConstants::integer(torch::jit::Value *v)
{
    const auto c = torch::jit::toIValue(v);
    return c && c->isInt() ? std::optional<int64_t>(c->toInt()) : std::nullopt;
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
