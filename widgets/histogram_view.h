// SPDX-License-Identifier: MIT
// HistogramView: one layer's weight histogram with its quantization grid — from a run's
// LayerSnapshot (pre-binned; in grid units with exact per-code counts, or one channel in weight
// values) or from raw float weights (re-binnable).
#pragma once

#include "jobs/layer_snapshot.h"
#include "snapshot_projection.h"

#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPBars;
class QCPGraph;
class QCPTextElement;
class QSpinBox;

namespace quantscope::widgets {

class HistogramView : public QWidget
{
    Q_OBJECT
public:
    using Axis = SnapshotProjection::Axis;

    explicit HistogramView(QWidget *parent = nullptr);

    // Raw weights: binned here with the bin count of the spin box (changing it re-bins).
    void setWeights(std::vector<float> weights, std::vector<double> gridLevels,
                    const QString &title);
    // A snapshot from a method: already binned, so the bin count is the method's. The axis and
    // channel a user picked stay across snapshots (playback) until a layer's grid cannot show
    // them.
    void setSnapshot(const jobs::LayerSnapshot &snapshot, const QString &title);
    void clear(const QString &message = {});

    // A chosen axis is kept for the following snapshots, whatever their default.
    void setAxis(Axis axis);
    Axis axis() const { return m_axis; } // as chosen; old snapshots draw in weight values

    // The channel the weight-value axis shows (a layer's channel index).
    void setChannel(int channel);
    int channel() const { return m_channel; }

    void setBinCount(int bins);
    int binCount() const; // bins currently drawn
    std::vector<double> gridLines() const;
    // The exact per-code bars drawn: (key, weights holding that code).
    std::vector<std::pair<double, double>> levelBars() const;
    QString title() const; // as drawn above the plot
    QString axisLabel() const;
    QCustomPlot *plot() const { return m_plot; }

private:
    void drawSnapshot();
    void draw(const HistogramSeries &series, const QString &title);
    void rebin();
    void fillChannelPicker(const jobs::LayerSnapshot &snapshot);

    QCustomPlot *m_plot;
    QCPGraph *m_bars;
    QCPGraph *m_grid;
    QCPGraph *m_clipEdges;
    QCPBars *m_levelBars;
    QCPTextElement *m_title;
    QSpinBox *m_binSpin;
    QComboBox *m_axisCombo;
    QComboBox *m_channelCombo;
    std::vector<float> m_weights; // raw weights in weights mode; empty in snapshot mode
    std::vector<double> m_gridLevels;
    std::pair<double, double> m_range; // of m_weights and the grid: computed once per layer
    QString m_titleText;
    std::optional<jobs::LayerSnapshot> m_snapshot;
    Axis m_axis = Axis::GridUnits;
    bool m_axisPicked = false; // by the user: then it is kept, not the snapshot's default
    int m_channel = 0;
    int m_pickerLayer = -1; // the layer the channel picker lists
};

} // namespace quantscope::widgets
