// SPDX-License-Identifier: MIT
#include "value_ranges.h"

#include "graph_executor.h"

#include <algorithm>
#include <limits>

namespace quantscope::runtime {

std::vector<ValueRange> ValueRanges::calibrate(const qsm::Model &model,
                                               const std::vector<std::vector<float>> &inputs)
{
    GraphExecutor fp32(model, Backend::Fp32);
    std::vector<ValueRange> ranges(model.valueCount,
                                   {std::numeric_limits<float>::max(),
                                    std::numeric_limits<float>::lowest()});
    for (const auto &input : inputs) {
        fp32.run(input.data());
        for (size_t v = 0; v < ranges.size(); ++v)
            for (float x : fp32.value(v)) {
                ranges[v].min = std::min(ranges[v].min, x);
                ranges[v].max = std::max(ranges[v].max, x);
            }
    }
    for (auto &r : ranges)
        if (r.min > r.max)
            r = {0, 0};
    return ranges;
}

std::vector<ValueRange> ValueRanges::joinedByConcats(const qsm::Model &model,
                                                     const std::vector<ValueRange> &ranges)
{
    // Values joined by concats, through any number of them (DenseNet concatenates each
    // layer's output into every later layer's input), form one set with one range.
    std::vector<size_t> root(ranges.size());
    for (size_t v = 0; v < root.size(); ++v)
        root[v] = v;
    const auto find = [&](size_t v) {
        while (root[v] != v)
            v = root[v] = root[root[v]];
        return v;
    };
    for (const auto &op : model.ops)
        if (op.kind == qsm::OpKind::Concat)
            for (uint32_t v : op.inputs)
                root[find(v)] = find(op.output);
    std::vector<ValueRange> joined(ranges.size(), {0, 0});
    for (size_t v = 0; v < ranges.size(); ++v) {
        auto &r = joined[find(v)];
        r.min = std::min(r.min, ranges[v].min);
        r.max = std::max(r.max, ranges[v].max);
    }
    for (size_t v = 0; v < ranges.size(); ++v)
        joined[v] = joined[find(v)];
    return joined;
}

} // namespace quantscope::runtime
