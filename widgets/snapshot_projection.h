// SPDX-License-Identifier: MIT
// SnapshotProjection: what a LayerSnapshot looks like on one axis — grid units (every channel's
// levels on the integers), or weight values of one channel (or of the whole layer for a
// per-tensor grid) — as plain series a plot draws. Kept apart from the plot so it can be tested.
#pragma once

#include "jobs/layer_snapshot.h"

#include <QString>

#include <vector>

namespace quantscope::widgets {

struct HistogramSeries
{
    std::vector<double> edges;  // counts.size() + 1, in the axis' units
    std::vector<double> counts; // latent weights per bin
    std::vector<double> levels; // grid levels, in the axis' units
    std::vector<double> levelKeys;   // where the exact per-code bars stand (empty: no bars)
    std::vector<double> levelCounts; // weights per code, as stored: not re-binned
    double barWidth = 0;
    std::vector<double> clipEdges;   // half a step outside the outermost levels
    bool gridUnits = false; // the axis is in grid units: levels sit on the integer codes
    QString axisLabel;
    QString caption; // one line saying what the axis is
};

class SnapshotProjection
{
public:
    enum class Axis { GridUnits, WeightValue };

    // The axis a user wants first: grid units whenever the layer has per-channel grids.
    static Axis defaultAxis(const jobs::LayerSnapshot &snapshot);
    // channel: which channel the weight-value axis shows (ignored in grid units, and for
    // per-tensor grids). Snapshots stored without grid units give the whole layer in weight
    // values with the levels the method drew.
    static HistogramSeries project(const jobs::LayerSnapshot &snapshot, Axis axis, int channel);
    // Channel indices, widest range first: the order of the channel picker.
    static std::vector<int> channelsByRange(const jobs::LayerSnapshot &snapshot);
    // A channel's clip range, max level − min level, in weight units.
    static double channelRange(const jobs::LayerSnapshot &snapshot, int channel);
};

} // namespace quantscope::widgets
