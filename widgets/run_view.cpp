// SPDX-License-Identifier: MIT
#include "run_view.h"

#include "curves_view.h"
#include "histogram_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace quantscope::widgets {

RunView::RunView(QWidget *parent)
    : QWidget(parent), m_title(new QLabel(tr("No run yet: start one from the Quantize panel."), this)),
      m_layerCombo(new QComboBox(this)), m_timeline(new QSlider(Qt::Horizontal, this)),
      m_stepLabel(new QLabel(this)), m_playButton(new QPushButton(tr("Play"), this)),
      m_playTimer(new QTimer(this)), m_liveTimer(new QTimer(this)), m_histogram(new HistogramView(this)),
      m_curves(new CurvesView(this))
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

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_histogram);
    split->addWidget(m_curves);
    split->setSizes({1000, 1000}); // proportions: half each

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    connect(m_layerCombo, &QComboBox::currentIndexChanged, this,
            [this] { updateTimeline(true); });
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
}

void RunView::setSelectedLayer(int layer)
{
    m_layerCombo->setCurrentIndex(m_layerCombo->findData(layer));
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
    showSnapshot(m_timeline->value());
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
    const auto &s = it->second[size_t(index)];
    const QString bits = QString::number(s.bits, 'g', 3);
    m_stepLabel->setText(tr("%1 / %2 · step %3").arg(index + 1).arg(it->second.size()).arg(s.step));
    QString title = tr("%1 · %2 · step %3 · %4 bits · %5 grid levels")
                        .arg(QString::fromStdString(s.layerName), QString::fromStdString(s.stage))
                        .arg(s.step)
                        .arg(bits)
                        .arg(s.gridLevels.size());
    if (!s.note.empty())
        title += QStringLiteral("\n") + QString::fromStdString(s.note);
    m_histogram->setSnapshot(s, title);
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
