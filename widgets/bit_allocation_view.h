// SPDX-License-Identifier: MIT
// BitAllocationView: the bits each layer received in one run — a bar per layer (height = weight
// bits, fractional for ALQ), labelled with its parameter count; hovering shows the numbers. For a
// method that learns its bits (CPQ) the allocation at every epoch is kept ("bits/<layer>"
// metric points): it follows a running job live and a slider replays a stored run's epochs. For
// a method that removes bits as it trains (ALQ) a side plot shows accuracy against average bits.
#pragma once

#include "jobs/job_context.h"
#include "store/run_record.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPBars;
class QCPTextElement;
class QLabel;
class QMouseEvent;
class QSlider;

namespace quantscope::widgets {

class BitsAccuracyView;

class BitAllocationView : public QWidget
{
    Q_OBJECT
public:
    explicit BitAllocationView(QWidget *parent = nullptr);

    void setRun(const store::RunRecord &run, const std::vector<store::LayerRecord> &layers);
    // The run's bits per layer at each epoch, from its metric points (none: no replay).
    void setBitHistory(const std::vector<jobs::MetricPoint> &metrics);
    // A job has started: its allocation is drawn as its bits points arrive (addMetric).
    void beginLive(const std::vector<QString> &layerNames, const QString &title);
    void addMetric(const jobs::MetricPoint &point);
    void clear(const QString &message);

    int epochCount() const { return int(m_epochs.size()); }
    // Shows the allocation after `epoch` (0: at the start), as the slider does.
    void showEpoch(int epoch);
    QSlider *epochSlider() const { return m_slider; }

    int barCount() const;
    double barHeight(int index) const;
    // What hovering bar `index` shows.
    QString toolTipFor(int index) const;
    QCustomPlot *plot() const { return m_plot; }
    BitsAccuracyView *accuracy() const { return m_accuracy; }

private:
    void showToolTip(QMouseEvent *event);
    void drawBars(const std::vector<double> &bits);
    void setNames(const std::vector<QString> &names, const std::vector<int64_t> &params);

    QCustomPlot *m_plot;
    QCPBars *m_bars;
    QCPTextElement *m_title;
    QWidget *m_replay;
    QSlider *m_slider;
    QLabel *m_epochLabel;
    BitsAccuracyView *m_accuracy;
    std::vector<store::LayerRecord> m_layers;
    std::vector<QString> m_names;                  // the bars, left to right
    std::vector<std::vector<double>> m_epochs;     // per epoch, bits per bar (-1: not yet)
    QString m_title0;                              // the title without the epoch
    bool m_live = false;
};

} // namespace quantscope::widgets
