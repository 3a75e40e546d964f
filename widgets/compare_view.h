// SPDX-License-Identifier: MIT
// CompareView: all runs of a workspace — a sortable table, accuracy against model size or
// against the low-bit latency measured on a device, each with its Pareto front, and for two
// selected runs their per-layer bits and SQNR side by side.
#pragma once

#include "deploy/deployment_records.h"
#include "store/run_record.h"

#include <QWidget>

#include <QPointF>

#include <map>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPItemText;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTableView;

namespace quantscope::widgets {

class RunTableModel;

class CompareView : public QWidget
{
    Q_OBJECT
public:
    explicit CompareView(QWidget *parent = nullptr);

    void setRuns(std::vector<store::RunRecord> runs);
    // Per run id, the deploy its Low-bit latency column shows, and its newest deploy on each
    // device: the points of the accuracy-against-latency plot, one device at a time.
    void setDeployments(std::map<int64_t, deploy::DeploymentSummary> shown,
                        std::map<int64_t, std::vector<deploy::DeploymentSummary>> perDevice);
    // What the plot's x axis shows: "" the model size, else the low-bit latency on that device
    // (one of plotDevices()).
    void setPlotDevice(const QString &device);
    QStringList plotDevices() const;
    void setPair(const store::RunRecord &a, const std::vector<store::LayerRecord> &layersA,
                 const store::RunRecord &b, const std::vector<store::LayerRecord> &layersB);
    void selectRuns(const std::vector<int64_t> &ids);

    // Finished runs no other run beats on both size and top-1, smallest first.
    static std::vector<int64_t> paretoFront(const std::vector<store::RunRecord> &runs);
    struct PlotPoint
    {
        int64_t id = 0;
        double x = 0, top1 = 0; // x: size or latency, the smaller the better
    };
    // The points no other point beats on both x and top-1, smallest x first.
    static std::vector<int64_t> paretoFront(std::vector<PlotPoint> points);

    const RunTableModel *runModel() const { return m_runs; }
    const QStandardItemModel *pairModel() const { return m_pair; }
    QTableView *runTable() const { return m_runTable; }
    QCustomPlot *plot() const { return m_plot; }
    QComboBox *plotAxisChooser() const { return m_axis; }
    // The runs the plot shows now, in drawing order, and those on its Pareto front — for tests.
    const std::vector<PlotPoint> &plottedPoints() const { return m_points; }
    std::vector<int64_t> plottedFront() const { return paretoFront(m_points); }
    // The point labels drawn at the last replot, in pixels (those left out for want of room
    // are not in it) — for tests.
    std::vector<QRectF> visibleLabelRects() const;

Q_SIGNALS:
    void pairSelected(qint64 a, qint64 b);
    void runActivated(qint64 id);

private:
    void drawScatter();
    void selectionChanged();
    // Moves each point label to a free corner of its point, once the axes know their pixels.
    void placeLabels();
    void showPointTip(const QPointF &pixel);

    RunTableModel *m_runs;
    QSortFilterProxyModel *m_sorted;
    QTableView *m_runTable;
    QCustomPlot *m_plot;
    QComboBox *m_axis;
    std::map<int64_t, std::vector<deploy::DeploymentSummary>> m_perDevice;
    std::vector<PlotPoint> m_points;
    QStandardItemModel *m_pair;
    QTableView *m_pairTable;
    struct PointLabel
    {
        QPointF coords; // size KiB, top-1 %
        QString text;
        QCPItemText *item;
    };
    std::vector<PointLabel> m_labels;
};

} // namespace quantscope::widgets
