// SPDX-License-Identifier: MIT
// BitsAccuracyView: test top-1 against the network's average weight bits, epoch by epoch — the
// path a method that removes bits as it trains (ALQ's pruning rounds) takes from its start to
// its target — from the "avg_bits" and "test_top1" metric points, with the epoch being replayed
// marked.
#pragma once

#include "jobs/job_context.h"

#include <QWidget>

#include <map>

class QCustomPlot;
class QCPCurve;
class QCPGraph;

namespace quantscope::widgets {

class BitsAccuracyView : public QWidget
{
    Q_OBJECT
public:
    explicit BitsAccuracyView(QWidget *parent = nullptr);

    void clear();
    // Takes the points it draws; ignores the rest. Returns whether it took this one.
    bool addMetric(const jobs::MetricPoint &point);
    void markEpoch(int epoch);
    bool hasPath() const { return !m_bits.empty(); }
    int pointCount() const; // epochs with both bits and top-1
    QCustomPlot *plot() const { return m_plot; }

private:
    void redraw();

    QCustomPlot *m_plot;
    QCPCurve *m_path;
    QCPGraph *m_mark;
    std::map<int, double> m_bits, m_top1; // by epoch
    int m_marked = -1;
};

} // namespace quantscope::widgets
