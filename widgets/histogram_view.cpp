// SPDX-License-Identifier: MIT
#include "histogram_view.h"

#include "plot_exporter.h"
#include "plot_refresh.h"
#include "weight_binner.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace quantscope::widgets {

namespace {
// Codes are labelled one by one up to this many levels (4 bits); finer grids get plain ticks.
constexpr int kLabelledLevels = 16;
} // namespace

HistogramView::HistogramView(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_binSpin(new QSpinBox(this)),
      m_axisCombo(new QComboBox(this)), m_channelCombo(new QComboBox(this))
{
    m_binSpin->setRange(8, 1024);
    m_binSpin->setValue(128);
    m_binSpin->setToolTip(tr("Number of equal-width bins (float weights only; a run's snapshots "
                             "keep the bins the method recorded)"));
    connect(m_binSpin, &QSpinBox::valueChanged, this, [this] { rebin(); });
    m_axisCombo->addItem(tr("Grid units"), int(Axis::GridUnits));
    m_axisCombo->addItem(tr("Weight value"), int(Axis::WeightValue));
    m_axisCombo->setToolTip(tr("Grid units: each weight at (w − l)/Δ of its own channel's grid, "
                               "so every channel's levels fall on the integers and gathering "
                               "shows. Weight value: one channel's real values."));
    connect(m_axisCombo, &QComboBox::activated, this,
            [this] { setAxis(Axis(m_axisCombo->currentData().toInt())); });
    m_channelCombo->setToolTip(tr("The channel shown on the weight-value axis, widest range "
                                  "first"));
    m_channelCombo->setMinimumContentsLength(14);
    connect(m_channelCombo, &QComboBox::activated, this,
            [this] { setChannel(m_channelCombo->currentData().toInt()); });

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Bins:"), this));
    controls->addWidget(m_binSpin);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Axis:"), this));
    controls->addWidget(m_axisCombo);
    controls->addWidget(m_channelCombo);
    controls->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_plot, 1);

    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, QString(), QFont(font().family(), 10, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_plot->yAxis->setLabel(tr("latent weights per bin"));
    m_plot->yAxis2->setLabel(tr("weights per code (quantized)"));

    m_bars = m_plot->addGraph();
    m_bars->setName(tr("latent weights"));
    m_bars->setLineStyle(QCPGraph::lsStepLeft);
    m_bars->setPen(QPen(QColor(40, 90, 160)));
    m_bars->setBrush(QColor(40, 90, 160, 90));

    // One impulse per level: a single plottable is far cheaper than an item per line.
    m_grid = m_plot->addGraph();
    m_grid->setName(tr("grid levels"));
    m_grid->setLineStyle(QCPGraph::lsImpulse);
    m_clipEdges = m_plot->addGraph();
    m_clipEdges->setName(tr("clip edges (±½ step)"));
    m_clipEdges->setLineStyle(QCPGraph::lsImpulse);
    m_clipEdges->setPen(QPen(QColor(120, 120, 120), 1.0, Qt::DashLine));

    // The exact counts stand on their own axis: they hold every weight in a few codes, far
    // taller than any bin of the latent histogram.
    m_levelBars = new QCPBars(m_plot->xAxis, m_plot->yAxis2);
    m_levelBars->setName(tr("weights per code"));
    m_levelBars->setPen(QPen(QColor(220, 120, 20)));
    m_levelBars->setBrush(QColor(240, 150, 40, 110));

    // Antialiased fills cost more than the rest of a frame and a step outline gains nothing.
    m_plot->setNotAntialiasedElements(QCP::aePlottables | QCP::aeFills | QCP::aeGrid);
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    PlotExporter::addContextMenu(m_plot, tr("histogram"));
    clear(tr("Select a layer to see its weights"));
}

void HistogramView::setWeights(std::vector<float> weights, std::vector<double> gridLevels,
                               const QString &title)
{
    m_snapshot.reset();
    m_weights = std::move(weights);
    m_gridLevels = std::move(gridLevels);
    m_range = WeightBinner::range(m_weights, m_gridLevels);
    m_titleText = title;
    m_binSpin->setEnabled(true);
    {
        const QSignalBlocker block(m_axisCombo); // float weights have no grid: weight values
        m_axisCombo->setCurrentIndex(m_axisCombo->findData(int(Axis::WeightValue)));
    }
    m_axisCombo->setEnabled(false);
    m_channelCombo->setVisible(false);
    rebin();
}

void HistogramView::setSnapshot(const jobs::LayerSnapshot &snapshot, const QString &title)
{
    m_weights.clear();
    m_binSpin->setEnabled(false);
    m_snapshot = snapshot;
    m_titleText = title;
    if (!m_axisPicked)
        m_axis = SnapshotProjection::defaultAxis(snapshot);
    fillChannelPicker(snapshot);
    drawSnapshot();
}

void HistogramView::fillChannelPicker(const jobs::LayerSnapshot &snapshot)
{
    m_axisCombo->setEnabled(snapshot.hasGridUnits());
    if (snapshot.layer == m_pickerLayer && m_channelCombo->count() == snapshot.channelCount())
        return; // same layer: keep the order the user has been picking from
    const QSignalBlocker block(m_channelCombo);
    m_channelCombo->clear();
    m_pickerLayer = snapshot.layer;
    if (snapshot.channelCount() <= 1)
        return;
    for (int c : SnapshotProjection::channelsByRange(snapshot))
        m_channelCombo->addItem(tr("channel %1 · range %2")
                                    .arg(c)
                                    .arg(SnapshotProjection::channelRange(snapshot, c), 0, 'g', 3),
                                c);
    m_channel = m_channelCombo->itemData(0).toInt(); // a new layer starts at its widest channel
}

void HistogramView::drawSnapshot()
{
    const auto &s = *m_snapshot;
    // A snapshot stored before grid units existed has only the weight-value view.
    const Axis axis = s.hasGridUnits() ? m_axis : Axis::WeightValue;
    {
        const QSignalBlocker block(m_axisCombo);
        m_axisCombo->setCurrentIndex(m_axisCombo->findData(int(axis)));
        const QSignalBlocker blockChannels(m_channelCombo);
        m_channelCombo->setCurrentIndex(m_channelCombo->findData(m_channel));
    }
    m_channelCombo->setVisible(axis == Axis::WeightValue && s.channelCount() > 1);
    const auto series = SnapshotProjection::project(s, axis, m_channel);
    draw(series, series.caption.isEmpty() ? m_titleText
                                          : m_titleText + QStringLiteral("\n") + series.caption);
}

void HistogramView::setAxis(Axis axis)
{
    m_axis = axis;
    m_axisPicked = true;
    if (m_snapshot)
        drawSnapshot();
}

void HistogramView::setChannel(int channel)
{
    m_channel = channel;
    if (m_snapshot)
        drawSnapshot();
}

void HistogramView::clear(const QString &message)
{
    m_weights.clear();
    m_snapshot.reset();
    m_titleText = message;
    m_axisCombo->setEnabled(false);
    m_channelCombo->setVisible(false);
    draw({}, message);
}

void HistogramView::setBinCount(int bins)
{
    m_binSpin->setValue(bins); // re-bins through valueChanged
}

int HistogramView::binCount() const
{
    return std::max(0, m_bars->dataCount() - 1);
}

std::vector<double> HistogramView::gridLines() const
{
    std::vector<double> keys;
    for (auto it = m_grid->data()->constBegin(); it != m_grid->data()->constEnd(); ++it)
        keys.push_back(it->key);
    return keys;
}

std::vector<std::pair<double, double>> HistogramView::levelBars() const
{
    std::vector<std::pair<double, double>> bars;
    for (auto it = m_levelBars->data()->constBegin(); it != m_levelBars->data()->constEnd(); ++it)
        bars.emplace_back(it->key, it->value);
    return bars;
}

void HistogramView::rebin()
{
    if (m_weights.empty())
        return;
    const auto binned = WeightBinner::bin(m_weights, m_binSpin->value(), m_range.first,
                                          m_range.second);
    HistogramSeries series;
    series.edges = binned.edges;
    series.counts = binned.counts;
    series.levels = m_gridLevels;
    series.axisLabel = tr("weight value");
    draw(series, m_titleText);
}

void HistogramView::draw(const HistogramSeries &series, const QString &title)
{
    m_title->setText(title);
    m_plot->xAxis->setLabel(series.axisLabel.isEmpty() ? tr("weight value") : series.axisLabel);
    QVector<double> keys(series.edges.begin(), series.edges.end());
    QVector<double> values(series.counts.begin(), series.counts.end());
    if (!values.isEmpty())
        values.push_back(values.back()); // lsStepLeft needs the right edge of the last bin
    m_bars->setData(keys, values, true);

    const double top = series.counts.empty()
                           ? 1.0
                           : *std::max_element(series.counts.begin(), series.counts.end());
    QVector<double> levels(series.levels.begin(), series.levels.end());
    std::sort(levels.begin(), levels.end());
    m_grid->setData(levels, QVector<double>(levels.size(), top * 1.05), true);
    // Fine grids (6–8 bits) would paint a solid wall: fade their lines so the weights show.
    const int alpha = levels.size() <= 16 ? 200 : levels.size() <= 64 ? 110 : 45;
    m_grid->setPen(QPen(QColor(200, 60, 40, alpha), levels.size() <= 64 ? 1.2 : 0.8));
    QVector<double> clip(series.clipEdges.begin(), series.clipEdges.end());
    m_clipEdges->setData(clip, QVector<double>(clip.size(), top * 1.05), true);
    m_clipEdges->removeFromLegend();
    if (!clip.isEmpty())
        m_clipEdges->addToLegend();

    const bool bars = !series.levelKeys.empty();
    m_levelBars->setData(QVector<double>(series.levelKeys.begin(), series.levelKeys.end()),
                         QVector<double>(series.levelCounts.begin(), series.levelCounts.end()),
                         true);
    m_levelBars->setWidth(series.barWidth);
    m_levelBars->removeFromLegend();
    if (bars)
        m_levelBars->addToLegend();
    m_plot->yAxis2->setVisible(bars);
    const double barTop = bars ? *std::max_element(series.levelCounts.begin(),
                                                   series.levelCounts.end())
                               : 1.0;
    m_plot->yAxis2->setRange(0, std::max(1.0, barTop * 1.1));

    // In grid units the codes are the ticks: 0 … 2^b − 1 under their levels.
    const bool codeTicks = series.gridUnits && levels.size() <= kLabelledLevels;
    if (codeTicks) {
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        for (double level : levels)
            ticker->addTick(level, QString::number(int(level)));
        m_plot->xAxis->setTicker(ticker);
    } else if (qSharedPointerDynamicCast<QCPAxisTickerText>(m_plot->xAxis->ticker())) {
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }

    if (!keys.isEmpty()) {
        const double pad = (keys.back() - keys.front()) * 0.02;
        m_plot->xAxis->setRange(keys.front() - pad, keys.back() + pad);
    } else {
        m_plot->xAxis->setRange(-1, 1);
    }
    m_plot->yAxis->setRange(0, std::max(1.0, top * 1.1));
    PlotRefresh::request(m_plot);
}

QString HistogramView::title() const
{
    return m_title->text();
}

QString HistogramView::axisLabel() const
{
    return m_plot->xAxis->label();
}

} // namespace quantscope::widgets
