// SPDX-License-Identifier: MIT
// CurvesView: a run's metric series as curves — per-step losses on top, per-epoch accuracy
// (and epoch losses) below, only for runs that have epochs — fed point by point while the run
// goes, redrawn at most 10×/s.
#pragma once

#include "jobs/job_context.h"

#include <QMap>
#include <QWidget>

class QCustomPlot;
class QCPAxisRect;
class QCPGraph;
class QTimer;

namespace quantscope::widgets {

class CurvesView : public QWidget
{
    Q_OBJECT
public:
    explicit CurvesView(QWidget *parent = nullptr);

    void clear();
    void addPoint(const jobs::MetricPoint &point);
    void setPoints(const std::vector<jobs::MetricPoint> &points);

    QStringList seriesNames() const { return m_graphs.keys(); }
    int pointCount(const QString &series) const;
    QCustomPlot *plot() const { return m_plot; }

private:
    QCPGraph *graphFor(const std::string &series);
    // The per-epoch plot below the step plot, in the layout only while a series needs it.
    void showEpochPlot(bool shown);
    void redraw();

    QCustomPlot *m_plot;
    QCPAxisRect *m_stepRect;
    QCPAxisRect *m_epochRect;
    QMap<QString, QCPGraph *> m_graphs;
    QTimer *m_redrawTimer;
};

} // namespace quantscope::widgets
