// SPDX-License-Identifier: MIT
// HistogramView: one layer's weight histogram with its quantization grid drawn as vertical
// lines — from a run's LayerSnapshot (pre-binned) or from raw float weights (re-binnable).
#pragma once

#include "jobs/layer_snapshot.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPTextElement;
class QSpinBox;

namespace quantscope::widgets {

class HistogramView : public QWidget
{
    Q_OBJECT
public:
    explicit HistogramView(QWidget *parent = nullptr);

    // Raw weights: binned here with the bin count of the spin box (changing it re-bins).
    void setWeights(std::vector<float> weights, std::vector<double> gridLevels,
                    const QString &title);
    // A snapshot from a method: already binned, so the bin count is the method's.
    void setSnapshot(const jobs::LayerSnapshot &snapshot, const QString &title);
    void clear(const QString &message = {});

    void setBinCount(int bins);
    int binCount() const; // bins currently drawn
    std::vector<double> gridLines() const;
    QString title() const; // as drawn above the plot
    QCustomPlot *plot() const { return m_plot; }

private:
    void draw(const std::vector<double> &edges, const std::vector<double> &counts,
              const std::vector<double> &gridLevels, const QString &title);
    void rebin();

    QCustomPlot *m_plot;
    QCPGraph *m_bars;
    QCPGraph *m_grid;
    QCPTextElement *m_title;
    QSpinBox *m_binSpin;
    std::vector<float> m_weights; // raw weights in weights mode; empty in snapshot mode
    std::vector<double> m_gridLevels;
    std::pair<double, double> m_range; // of m_weights and the grid: computed once per layer
    QString m_titleText;
};

} // namespace quantscope::widgets
