// SPDX-License-Identifier: MIT
#include "snapshot_projection.h"

#include <QObject>

#include <algorithm>
#include <numeric>

namespace quantscope::widgets {

SnapshotProjection::Axis SnapshotProjection::defaultAxis(const jobs::LayerSnapshot &snapshot)
{
    return snapshot.hasGridUnits() && snapshot.channelCount() > 1 ? Axis::GridUnits
                                                                   : Axis::WeightValue;
}

double SnapshotProjection::channelRange(const jobs::LayerSnapshot &snapshot, int channel)
{
    return snapshot.channelStep.at(size_t(channel)) * (snapshot.levelCount - 1);
}

std::vector<int> SnapshotProjection::channelsByRange(const jobs::LayerSnapshot &snapshot)
{
    std::vector<int> order(snapshot.channelLow.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return snapshot.channelStep[size_t(a)] > snapshot.channelStep[size_t(b)];
    });
    return order;
}

HistogramSeries SnapshotProjection::project(const jobs::LayerSnapshot &snapshot, Axis axis,
                                            int channel)
{
    HistogramSeries s;
    if (!snapshot.hasGridUnits()) {
        s.edges = snapshot.binEdges;
        s.counts = snapshot.counts;
        s.levels = snapshot.gridLevels;
        s.axisLabel = QObject::tr("weight value");
        return s;
    }
    const int levels = snapshot.levelCount;
    if (axis == Axis::GridUnits) {
        s.edges = snapshot.unitEdges;
        s.counts = snapshot.unitCounts;
        for (int k = 0; k < levels; ++k)
            s.levels.push_back(k);
        s.levelKeys = s.levels;
        s.levelCounts = snapshot.levelCounts;
        s.barWidth = 0.3;
        s.clipEdges = {-0.5, levels - 0.5};
        s.gridUnits = true;
        s.axisLabel = QObject::tr("grid units: (w − l) / Δ of each weight's own channel");
        s.caption = snapshot.channelCount() > 1
                        ? QObject::tr("all %1 channels on their own grids: code k at k")
                              .arg(snapshot.channelCount())
                        : QObject::tr("code k at k");
        return s;
    }
    // Weight values: one channel's own grid. A per-tensor grid maps the full-resolution layer
    // histogram and its exact level counts; a per-channel grid has its channel's coarse one.
    const bool perTensor = snapshot.channelCount() == 1;
    channel = perTensor ? 0 : std::clamp(channel, 0, int(snapshot.channelCount()) - 1);
    const double low = snapshot.channelLow[size_t(channel)];
    const double step = snapshot.channelStep[size_t(channel)];
    const auto toWeight = [low, step](double u) { return low + u * step; };
    if (perTensor) {
        for (double e : snapshot.unitEdges)
            s.edges.push_back(toWeight(e));
        s.counts = snapshot.unitCounts;
    } else {
        const int bins = snapshot.channelBins;
        const double lo = -1.0, hi = levels;
        for (int b = 0; b <= bins; ++b)
            s.edges.push_back(toWeight(lo + (hi - lo) * b / bins));
        const auto first = snapshot.channelCounts.begin() + ptrdiff_t(channel) * bins;
        s.counts.assign(first, first + bins);
    }
    for (int k = 0; k < levels; ++k)
        s.levels.push_back(toWeight(k));
    if (perTensor) {
        s.levelKeys = s.levels;
        s.levelCounts = snapshot.levelCounts;
        s.barWidth = 0.3 * step;
    }
    s.clipEdges = {toWeight(-0.5), toWeight(levels - 0.5)};
    s.axisLabel = QObject::tr("weight value");
    s.caption = perTensor ? QObject::tr("one grid for the whole layer")
                          : QObject::tr("channel %1 of %2: range %3, step %4")
                                .arg(channel)
                                .arg(snapshot.channelCount())
                                .arg(channelRange(snapshot, channel), 0, 'g', 3)
                                .arg(step, 0, 'g', 3);
    return s;
}

} // namespace quantscope::widgets
