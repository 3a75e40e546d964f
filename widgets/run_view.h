// SPDX-License-Identifier: MIT
// RunView: what one run is doing or did — loss/accuracy curves and the selected layer's latent
// weight histogram with its grid, live from snapshot events, then played back on a timeline.
#pragma once

#include "jobs/job_context.h"
#include "jobs/layer_snapshot.h"

#include <QWidget>

#include <map>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QTimer;

namespace quantscope::widgets {

class CurvesView;
class HistogramView;

class RunView : public QWidget
{
    Q_OBJECT
public:
    explicit RunView(QWidget *parent = nullptr);

    // Starts a fresh run (live, or one loaded from the workspace); `layers` by layer id.
    void beginRun(const QString &title, const std::vector<QString> &layers);
    // A stored run, all at once (one redraw, not one per snapshot).
    void showStoredRun(const QString &title, const std::vector<QString> &layers,
                       const std::vector<jobs::LayerSnapshot> &snapshots,
                       const std::vector<jobs::MetricPoint> &metrics);
    void addSnapshot(const jobs::LayerSnapshot &snapshot);
    void setTitle(const QString &title);
    void addMetric(const jobs::MetricPoint &point);
    void setSelectedLayer(int layer);
    int selectedLayer() const;
    // Moves the timeline to snapshot `index` of the selected layer.
    void showSnapshot(int index);
    int snapshotCount() const; // of the selected layer
    void setPlaying(bool playing);

    HistogramView *histogram() const { return m_histogram; }
    CurvesView *curves() const { return m_curves; }

private:
    void updateTimeline(bool followLatest);

    QLabel *m_title;
    QComboBox *m_layerCombo;
    QSlider *m_timeline;
    QLabel *m_stepLabel;
    QPushButton *m_playButton;
    QTimer *m_playTimer;
    QTimer *m_liveTimer; // coalesces live snapshots into at most 20 redraws a second
    HistogramView *m_histogram;
    CurvesView *m_curves;
    std::map<int, std::vector<jobs::LayerSnapshot>> m_snapshots; // by layer, in arrival order
};

} // namespace quantscope::widgets
