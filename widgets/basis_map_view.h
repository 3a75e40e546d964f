// SPDX-License-Identifier: MIT
// BasisMapView: where ALQ kept and pruned binary bases in one layer — a heat map of bases per
// group, output filters down, taps (or row pieces) across, from a snapshot's group scales.
// Clicking a group selects it: the run view then draws that group's value set {Σ ±α_i} as the
// histogram's grid.
#pragma once

#include "jobs/layer_snapshot.h"

#include <QWidget>

class QCustomPlot;
class QCPColorMap;
class QCPItemRect;
class QMouseEvent;

namespace quantscope::widgets {

class BasisMapView : public QWidget
{
    Q_OBJECT
public:
    explicit BasisMapView(QWidget *parent = nullptr);

    void setSnapshot(const jobs::LayerSnapshot &snapshot);
    // -1: none (the snapshot's own choice of group).
    int selectedGroup() const { return m_selected; }
    void selectGroup(int group);
    // The group under a point of the plot, −1 outside the map.
    int groupAt(const QPointF &pixel) const;
    QString toolTipFor(int group) const;
    QCustomPlot *plot() const { return m_plot; }

Q_SIGNALS:
    void groupSelected(int group);

private:
    void onClick(QMouseEvent *event);
    void onMove(QMouseEvent *event);
    void drawSelection();

    QCustomPlot *m_plot;
    QCPColorMap *m_map;
    QCPItemRect *m_mark;
    jobs::LayerSnapshot m_snapshot;
    int m_selected = -1;
};

} // namespace quantscope::widgets
