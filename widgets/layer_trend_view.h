// SPDX-License-Identifier: MIT
// LayerTrendView: the selected layer across a run — the share of its weights sitting on a grid
// level at each snapshot and, for DSQ, its α — small, under the histogram, with a marker at the
// snapshot being shown, so gathering (or its absence) reads as a curve.
#pragma once

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;

namespace quantscope::widgets {

class LayerTrendView : public QWidget
{
    Q_OBJECT
public:
    explicit LayerTrendView(QWidget *parent = nullptr);

    // clustered: fractions 0…1 at the snapshots' steps; alpha may be empty (methods without α).
    void setSeries(const std::vector<double> &steps, const std::vector<double> &clustered,
                   const std::vector<double> &alphaSteps, const std::vector<double> &alpha);
    void setMarker(double step);

    int clusteredCount() const;
    int alphaCount() const;
    QCustomPlot *plot() const { return m_plot; }

private:
    QCustomPlot *m_plot;
    QCPGraph *m_clustered;
    QCPGraph *m_alpha;
    QCPItemStraightLine *m_marker;
};

} // namespace quantscope::widgets
