// SPDX-License-Identifier: MIT
#include "graph_partitioner.h"

#include "error.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace quantscope::model {

namespace {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

// The top-level node that owns a (possibly nested) user.
const Node *topLevelOwner(const Node *node, const torch::jit::Block *top)
{
    while (node->owningBlock() != top)
        node = node->owningBlock()->owningNode();
    return node;
}

struct Range
{
    size_t begin = 0;
    size_t end = 0; // exclusive
    std::vector<int> layers;
};

std::shared_ptr<Graph> extract(const std::vector<Node *> &nodes, const Range &range,
                               Value *input, Value *output)
{
    auto graph = std::make_shared<Graph>();
    std::unordered_map<Value *, Value *> map;
    map[input] = graph->addInput("x")->setType(input->type());
    auto lookup = [&](Value *v) -> Value * {
        if (auto it = map.find(v); it != map.end())
            return it->second;
        // Constants are shared by all units: each unit gets its own copy.
        TORCH_INTERNAL_ASSERT(v->node()->kind() == c10::prim::Constant,
                              "value crosses a cut point: %", v->debugName());
        auto *copy = graph->createClone(v->node(), [](Value *) -> Value * { return nullptr; });
        graph->appendNode(copy);
        map[v] = copy->output();
        return copy->output();
    };
    for (size_t i = range.begin; i < range.end; ++i) {
        Node *node = nodes[i];
        auto *copy = graph->createClone(node, lookup);
        graph->appendNode(copy);
        for (size_t o = 0; o < node->outputs().size(); ++o)
            map[node->outputs()[o]] = copy->outputs()[o];
    }
    graph->registerOutput(lookup(output));
    return graph;
}

// A region that ends the feature maps: global pooling or flattening to a vector.
bool flattensMaps(const std::vector<Node *> &nodes, const Range &range)
{
    static const std::vector<c10::Symbol> kinds{
        c10::Symbol::fromQualString("aten::mean"),
        c10::Symbol::fromQualString("aten::adaptive_avg_pool1d"),
        c10::Symbol::fromQualString("aten::adaptive_avg_pool2d"),
        c10::Symbol::fromQualString("aten::adaptive_max_pool2d"),
        c10::Symbol::fromQualString("aten::flatten"),
        c10::Symbol::fromQualString("aten::view"),
        c10::Symbol::fromQualString("aten::reshape")};
    for (size_t i = range.begin; i < range.end; ++i)
        if (std::find(kinds.begin(), kinds.end(), nodes[i]->kind()) != kinds.end())
            return true;
    return false;
}

// A layer's module path, split at the dots: "features.2.conv.0.0" → features, 2, conv, 0, 0.
std::vector<std::string> modulePath(const std::string &name)
{
    std::vector<std::string> parts;
    size_t from = 0;
    for (size_t dot; (dot = name.find('.', from)) != std::string::npos; from = dot + 1)
        parts.push_back(name.substr(from, dot - from));
    parts.push_back(name.substr(from));
    return parts;
}

// Whether a layer's path lies inside a module (strictly below it).
bool liesInside(const std::vector<std::string> &path, const std::vector<std::string> &module)
{
    return path.size() > module.size() && std::equal(module.begin(), module.end(), path.begin());
}

// BRECQ reconstructs a model's repeated blocks whole, also those without a residual merge: the
// released code treats every MobileNetV2 inverted residual (pw → dw → pw-linear) as one block,
// with or without its shortcut. In a graph such a block is a chain of single-layer units. Its
// layers are found by their names: a module at the depth where the model's residual blocks keep
// their layers (features.3.conv in torchvision's MobileNetV2), holding two or more layers that
// follow each other and no other, becomes one unit. A model without residual blocks (a plain
// CNN, VGG) keeps its layers alone, as the released code's layer-wise reconstruction does.
std::vector<Range> mergeModulesLikeBlocks(const std::vector<Range> &units,
                                          const std::vector<std::string> &layerNames)
{
    std::vector<std::vector<std::string>> paths; // by layer id, split once
    for (const auto &name : layerNames)
        paths.push_back(modulePath(name));
    auto commonPath = [&](const std::vector<int> &layers) {
        auto common = paths.at(size_t(layers.front()));
        for (int id : layers) {
            const auto &path = paths.at(size_t(id));
            const auto stop = std::mismatch(common.begin(), common.end(), path.begin(),
                                            path.end()).first;
            common.erase(stop, common.end());
        }
        return common;
    };
    auto soleLayerPath = [&](const Range &unit) -> const std::vector<std::string> * {
        return unit.layers.size() == 1 ? &paths.at(size_t(unit.layers.front())) : nullptr;
    };
    std::vector<size_t> blockDepths;
    for (const auto &u : units)
        if (u.layers.size() >= 2)
            if (const size_t depth = commonPath(u.layers).size(); depth > 0)
                blockDepths.push_back(depth);
    std::vector<Range> merged;
    for (size_t i = 0; i < units.size();) {
        size_t end = i + 1; // units [i, end) become one
        const auto *path = soleLayerPath(units[i]);
        for (size_t depth : blockDepths) {
            if (!path || path->size() <= depth)
                continue;
            const std::vector<std::string> module(path->begin(), path->begin() + long(depth));
            size_t j = i + 1;
            for (; j < units.size(); ++j) {
                const auto *next = soleLayerPath(units[j]);
                if (!next || !liesInside(*next, module))
                    break;
            }
            const auto inModule =
                std::count_if(paths.begin(), paths.end(), [&](const auto &layerPath) {
                    return liesInside(layerPath, module);
                });
            if (j - i >= 2 && size_t(inModule) == j - i) {
                end = j;
                break;
            }
        }
        Range r{units[i].begin, units[end - 1].end, {}};
        for (size_t k = i; k < end; ++k)
            r.layers.insert(r.layers.end(), units[k].layers.begin(), units[k].layers.end());
        merged.push_back(r);
        i = end;
    }
    return merged;
}

} // namespace

std::vector<GraphUnit> GraphPartitioner::partition(
    const std::shared_ptr<Graph> &graph,
    const std::unordered_map<const Node *, int> &layerOfNode,
    const std::vector<std::string> &layerNames)
{
    auto *top = graph->block();
    std::vector<Node *> nodes;
    std::unordered_map<const Node *, size_t> position;
    for (auto *node : top->nodes()) {
        if (node->kind() == c10::prim::Constant)
            continue;
        position[node] = nodes.size();
        nodes.push_back(node);
    }
    const size_t n = nodes.size();
    if (graph->inputs().size() != 2 || !graph->inputs()[0]->uses().empty())
        throw Error("the model's forward must take exactly one tensor input");
    if (graph->outputs().size() != 1 || !graph->outputs()[0]->type()->cast<c10::TensorType>())
        throw Error("the model's forward must return one tensor (it returns " +
                    graph->outputs()[0]->type()->str() + ")");

    // Live interval (def, lastUse] of every non-constant value; the input is defined at -1 and
    // the graph output used at n.
    struct Interval { long def; long lastUse; Value *value; };
    std::vector<Interval> intervals;
    auto addValue = [&](Value *v, long def) {
        long last = def;
        for (const auto &use : v->uses()) {
            const Node *owner = topLevelOwner(use.user, top);
            last = std::max(last, owner == graph->return_node()
                                      ? static_cast<long>(n)
                                      : static_cast<long>(position.at(owner)));
        }
        intervals.push_back({def, last, v});
    };
    addValue(graph->inputs()[1], -1);
    for (size_t i = 0; i < n; ++i)
        for (auto *out : nodes[i]->outputs())
            addValue(out, static_cast<long>(i));

    // Boundary p lies before node p; cut when exactly one tensor is live there.
    std::vector<size_t> cuts;
    std::vector<Value *> cutValue;
    for (size_t p = 0; p <= n; ++p) {
        Value *live = nullptr;
        int count = 0;
        for (const auto &iv : intervals)
            if (iv.def < static_cast<long>(p) && static_cast<long>(p) <= iv.lastUse) {
                live = iv.value;
                ++count;
            }
        if (count == 1 && live->type()->cast<c10::TensorType>()) {
            cuts.push_back(p);
            cutValue.push_back(live);
        }
    }
    if (cuts.size() < 2 || cuts.front() != 0 || cuts.back() != n)
        throw Error("internal: could not find the model's input and output in its graph");

    std::vector<Range> regions;
    for (size_t c = 0; c + 1 < cuts.size(); ++c) {
        Range r{cuts[c], cuts[c + 1], {}};
        for (size_t i = r.begin; i < r.end; ++i)
            if (auto it = layerOfNode.find(nodes[i]); it != layerOfNode.end())
                r.layers.push_back(it->second);
        regions.push_back(r);
    }

    // Merge layer-free regions (activations, pooling) into the unit before them, so a block's
    // output is taken after its activation, as BRECQ's; the ones at the very start go into the
    // first unit with a layer. A region that pools or flattens the maps to a vector starts the
    // next unit instead: a block reconstructed through a global pool would see one value per
    // channel (64 against 64×7×7 on the demo's last block), too few to constrain its rounding;
    // the released BRECQ code reconstructs the block's map and lets the head take the pool.
    std::vector<bool> layersAfter(regions.size() + 1, false);
    for (size_t i = regions.size(); i-- > 0;)
        layersAfter[i] = layersAfter[i + 1] || !regions[i].layers.empty();
    std::vector<Range> units;
    size_t carriedBegin = SIZE_MAX; // start of regions carried into the next unit
    for (size_t i = 0; i < regions.size(); ++i) {
        Range r = regions[i];
        if (carriedBegin != SIZE_MAX) {
            r.begin = carriedBegin;
            carriedBegin = SIZE_MAX;
        }
        if (r.layers.empty() && !units.empty() && layersAfter[i + 1] && flattensMaps(nodes, r)) {
            carriedBegin = r.begin;
            continue;
        }
        if (!units.empty() && (r.layers.empty() || units.back().layers.empty())) {
            units.back().end = r.end;
            units.back().layers.insert(units.back().layers.end(), r.layers.begin(),
                                       r.layers.end());
        } else {
            units.push_back(r);
        }
    }

    std::vector<GraphUnit> result;
    int blockCount = 0;
    for (const auto &u : mergeModulesLikeBlocks(units, layerNames)) {
        GraphUnit unit;
        unit.info.layerIds = u.layers;
        unit.info.isBlock = u.layers.size() >= 2;
        if (unit.info.isBlock) {
            unit.info.name = "block" + std::to_string(blockCount++) + " (" +
                             layerNames.at(u.layers.front()) + " … " +
                             layerNames.at(u.layers.back()) + ")";
        } else {
            unit.info.name = u.layers.empty() ? "tail" : layerNames.at(u.layers.front());
        }
        const size_t beginCut = std::find(cuts.begin(), cuts.end(), u.begin) - cuts.begin();
        const size_t endCut = std::find(cuts.begin(), cuts.end(), u.end) - cuts.begin();
        unit.graph = extract(nodes, u, cutValue[beginCut], cutValue[endCut]);
        result.push_back(std::move(unit));
    }
    return result;
}

} // namespace quantscope::model
