// SPDX-License-Identifier: MIT
#include "run_view.h"

#include "basis_map_view.h"
#include "curves_view.h"
#include "histogram_view.h"
#include "layer_trend_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace quantscope::widgets {

namespace {
// DSQ's per-layer α arrives as the metric series "alpha/<layer>".
const std::string kAlphaPrefix = "alpha/";
} // namespace

RunView::RunView(QWidget *parent)
    : QWidget(parent), m_title(new QLabel(tr("No run yet: start one from the Quantize panel."), this)),
      m_layerCombo(new QComboBox(this)), m_timeline(new QSlider(Qt::Horizontal, this)),
      m_stepLabel(new QLabel(this)), m_playButton(new QPushButton(tr("Play"), this)),
      m_playTimer(new QTimer(this)), m_liveTimer(new QTimer(this)), m_histogram(new HistogramView(this)),
      m_curves(new CurvesView(this)), m_trend(new LayerTrendView(this)),
      m_basisMap(new BasisMapView(this))
{
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_layerCombo->setMinimumContentsLength(16);
    m_layerCombo->setToolTip(tr("Layer whose weights the histogram shows"));
    m_timeline->setToolTip(tr("Snapshots of the selected layer, first to last"));
    m_playButton->setCheckable(true);
    m_playTimer->setInterval(80);
    m_liveTimer->setInterval(50);
    m_liveTimer->setSingleShot(true);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        // Follow the newest snapshot unless the user has scrubbed back to look at an older one.
        const bool atEnd = m_timeline->value() >= m_timeline->maximum();
        updateTimeline(atEnd && !m_playButton->isChecked());
    });

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Layer:"), this));
    controls->addWidget(m_layerCombo);
    controls->addSpacing(12);
    controls->addWidget(m_playButton);
    controls->addWidget(m_timeline, 1);
    controls->addWidget(m_stepLabel);

    auto *weights = new QSplitter(Qt::Vertical, this);
    weights->addWidget(m_histogram);
    weights->addWidget(m_trend);
    weights->addWidget(m_basisMap); // in the trend's place for a run of binary bases (ALQ)
    m_basisMap->hide();
    weights->setSizes({700, 300, 300});
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(weights);
    split->addWidget(m_curves);
    split->setSizes({1000, 1000}); // proportions: half each

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    connect(m_layerCombo, &QComboBox::currentIndexChanged, this,
            [this] { updateTimeline(true); });
    connect(m_basisMap, &BasisMapView::groupSelected, this,
            [this] { showSnapshot(m_timeline->value()); });
    connect(m_timeline, &QSlider::valueChanged, this, &RunView::showSnapshot);
    connect(m_playButton, &QPushButton::toggled, this, &RunView::setPlaying);
    connect(m_playTimer, &QTimer::timeout, this, [this] {
        if (m_timeline->value() >= m_timeline->maximum())
            m_playButton->setChecked(false);
        else
            m_timeline->setValue(m_timeline->value() + 1);
    });
    updateTimeline(true);
}

void RunView::beginRun(const QString &title, const std::vector<QString> &layers)
{
    setPlaying(false);
    m_title->setText(title);
    m_snapshots.clear();
    m_alpha.clear();
    m_curves->clear();
    const int previous = std::max(0, m_layerCombo->currentIndex());
    {
        const QSignalBlocker block(m_layerCombo);
        m_layerCombo->clear();
        for (size_t i = 0; i < layers.size(); ++i)
            m_layerCombo->addItem(layers[i], int(i));
        m_layerCombo->setCurrentIndex(std::min(previous, m_layerCombo->count() - 1));
    }
    updateTimeline(true);
}

void RunView::showStoredRun(const QString &title, const std::vector<QString> &layers,
                            const std::vector<jobs::LayerSnapshot> &snapshots,
                            const std::vector<jobs::MetricPoint> &metrics)
{
    beginRun(title, layers);
    for (const auto &s : snapshots)
        m_snapshots[s.layer].push_back(s);
    for (const auto &p : metrics)
        if (p.series.rfind(kAlphaPrefix, 0) == 0)
            m_alpha[QString::fromStdString(p.series.substr(kAlphaPrefix.size()))].push_back(p);
    m_curves->setPoints(metrics);
    updateTimeline(true);
}

void RunView::addSnapshot(const jobs::LayerSnapshot &snapshot)
{
    auto &series = m_snapshots[snapshot.layer];
    series.push_back(snapshot);
    if (snapshot.layer == selectedLayer() && !m_liveTimer->isActive())
        m_liveTimer->start();
}

void RunView::setTitle(const QString &title)
{
    m_title->setText(title);
}

void RunView::addMetric(const jobs::MetricPoint &point)
{
    m_curves->addPoint(point);
    if (point.series.rfind(kAlphaPrefix, 0) == 0)
        m_alpha[QString::fromStdString(point.series.substr(kAlphaPrefix.size()))].push_back(point);
}

void RunView::setSelectedLayer(int layer)
{
    m_layerCombo->setCurrentIndex(m_layerCombo->findData(layer));
}

int RunView::layerNamed(const QString &name) const
{
    const int index = m_layerCombo->findText(name);
    return index < 0 ? -1 : m_layerCombo->itemData(index).toInt();
}

int RunView::selectedLayer() const
{
    return m_layerCombo->currentData().isValid() ? m_layerCombo->currentData().toInt() : -1;
}

int RunView::snapshotCount() const
{
    const auto it = m_snapshots.find(selectedLayer());
    return it == m_snapshots.end() ? 0 : int(it->second.size());
}

void RunView::updateTimeline(bool followLatest)
{
    const int count = snapshotCount();
    {
        const QSignalBlocker block(m_timeline);
        m_timeline->setRange(0, std::max(0, count - 1));
        if (followLatest)
            m_timeline->setValue(count - 1);
    }
    m_timeline->setEnabled(count > 1);
    m_playButton->setEnabled(count > 1);
    updateTrend();
    showSnapshot(m_timeline->value());
}

void RunView::updateTrend()
{
    std::vector<double> steps, clustered, alphaSteps, alpha;
    const auto it = m_snapshots.find(selectedLayer());
    if (it != m_snapshots.end()) {
        for (const auto &s : it->second) {
            if (s.clusteredShare < 0)
                continue;
            steps.push_back(s.step);
            clustered.push_back(s.clusteredShare);
        }
    }
    if (const auto a = m_alpha.find(m_layerCombo->currentText()); a != m_alpha.end()) {
        for (const auto &p : a->second) {
            alphaSteps.push_back(p.step);
            alpha.push_back(p.value);
        }
    }
    m_trend->setSeries(steps, clustered, alphaSteps, alpha);
}

void RunView::showSnapshot(int index)
{
    const auto it = m_snapshots.find(selectedLayer());
    if (it == m_snapshots.end() || index < 0 || size_t(index) >= it->second.size()) {
        m_stepLabel->clear();
        m_histogram->clear(m_layerCombo->count() ? tr("No snapshot of this layer yet")
                                                 : tr("No run selected"));
        return;
    }
    auto s = it->second[size_t(index)];
    // A run of binary bases has a value set per group rather than one grid: the map shows
    // where bases were kept, and the histogram the chosen group's values.
    m_trend->setVisible(!s.hasGroups());
    m_basisMap->setVisible(s.hasGroups());
    if (s.hasGroups()) {
        m_basisMap->setSnapshot(s);
        if (const int group = m_basisMap->selectedGroup(); group >= 0) {
            s.gridLevels = s.groupValueSet(group);
            s.note += (s.note.empty() ? "" : " · ") +
                      tr("grid: filter %1, group %2")
                          .arg(group / s.groupColumns)
                          .arg(group % s.groupColumns)
                          .toStdString();
        } else {
            s.note += (s.note.empty() ? "" : " · ") +
                      tr("grid: fullest group (click map)").toStdString();
        }
    }
    const QString bits = QString::number(s.bits, 'g', 3);
    m_stepLabel->setText(tr("%1 / %2 · step %3").arg(index + 1).arg(it->second.size()).arg(s.step));
    QString title = tr("%1 · %2 · step %3 · %4 bits")
                        .arg(QString::fromStdString(s.layerName), QString::fromStdString(s.stage))
                        .arg(s.step)
                        .arg(bits);
    if (s.clusteredShare >= 0)
        title += tr(" · %1 % on a level").arg(100 * s.clusteredShare, 0, 'f', 1);
    else
        title += tr(" · %1 grid levels").arg(s.gridLevels.size());
    if (!s.note.empty())
        title += QStringLiteral("\n") + QString::fromStdString(s.note);
    m_histogram->setSnapshot(s, title);
    m_trend->setMarker(s.step);
}

void RunView::moveTimeline(int index)
{
    setPlaying(false);
    m_timeline->setValue(index < 0 ? snapshotCount() + index : index);
}

void RunView::setPlaying(bool playing)
{
    if (playing && m_timeline->value() >= m_timeline->maximum())
        m_timeline->setValue(0); // play from the start when at the end
    const QSignalBlocker block(m_playButton);
    m_playButton->setChecked(playing);
    m_playButton->setText(playing ? tr("Pause") : tr("Play"));
    if (playing)
        m_playTimer->start();
    else
        m_playTimer->stop();
}

} // namespace quantscope::widgets
