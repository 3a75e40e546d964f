// SPDX-License-Identifier: MIT
// RunView: what one run is doing or did — loss/accuracy curves, the selected layer's latent
// weight histogram with its grid and the share of its weights on a level over the run (with
// DSQ's α) — or, for ALQ, where its bases were kept per group — live from snapshot events, then
// played back on a timeline.
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

class BasisMapView;
class CurvesView;
class HistogramView;
class LayerTrendView;

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
    // The id of the layer of this name among the run's layers, -1 when it has none.
    int layerNamed(const QString &name) const;
    // Shows snapshot `index` of the selected layer (the timeline's slot).
    void showSnapshot(int index);
    // Moves the timeline itself to snapshot `index` (negative: from the end, −1 the last).
    void moveTimeline(int index);
    int snapshotCount() const; // of the selected layer
    void setPlaying(bool playing);

    HistogramView *histogram() const { return m_histogram; }
    CurvesView *curves() const { return m_curves; }
    LayerTrendView *trend() const { return m_trend; }
    BasisMapView *basisMap() const { return m_basisMap; }

private:
    void updateTimeline(bool followLatest);
    void updateTrend();

    QLabel *m_title;
    QComboBox *m_layerCombo;
    QSlider *m_timeline;
    QLabel *m_stepLabel;
    QPushButton *m_playButton;
    QTimer *m_playTimer;
    QTimer *m_liveTimer; // coalesces live snapshots into at most 20 redraws a second
    HistogramView *m_histogram;
    CurvesView *m_curves;
    LayerTrendView *m_trend;
    BasisMapView *m_basisMap;
    std::map<int, std::vector<jobs::LayerSnapshot>> m_snapshots; // by layer, in arrival order
    std::map<QString, std::vector<jobs::MetricPoint>> m_alpha;    // DSQ's α by layer name
};

} // namespace quantscope::widgets
