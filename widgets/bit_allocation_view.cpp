// SPDX-License-Identifier: MIT
#include "bit_allocation_view.h"

#include "bits_accuracy_view.h"
#include "number_format.h"
#include "plot_exporter.h"
#include "plot_refresh.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace quantscope::widgets {

BitAllocationView::BitAllocationView(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_replay(new QWidget(this)),
      m_slider(new QSlider(Qt::Horizontal, m_replay)), m_epochLabel(new QLabel(m_replay)),
      m_accuracy(new BitsAccuracyView(this))
{
    auto *replay = new QHBoxLayout(m_replay);
    replay->addWidget(new QLabel(tr("Bits learned by epoch:"), m_replay));
    replay->addWidget(m_slider, 1);
    replay->addWidget(m_epochLabel);
    m_slider->setPageStep(1);
    connect(m_slider, &QSlider::valueChanged, this, &BitAllocationView::showEpoch);
    m_replay->hide();
    auto *plots = new QHBoxLayout;
    plots->addWidget(m_plot, 3);
    plots->addWidget(m_accuracy, 1);
    m_accuracy->hide(); // until a run reports accuracy against its average bits (ALQ)
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(plots, 1);
    layout->addWidget(m_replay);

    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, QString(), QFont(font().family(), 10, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_bars->setPen(QPen(QColor(40, 90, 160)));
    m_bars->setBrush(QColor(40, 90, 160, 140));
    m_bars->setWidth(0.7);
    m_plot->xAxis->setTickLabelRotation(60);
    m_plot->xAxis->setLabel(tr("layer (weight count)"));
    m_plot->yAxis->setLabel(tr("weight bits"));
    m_plot->xAxis->grid()->setVisible(false);
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, &BitAllocationView::showToolTip);
    PlotExporter::addContextMenu(m_plot, tr("bit-allocation"));
    clear(tr("No run selected"));
}

void BitAllocationView::setNames(const std::vector<QString> &names,
                                 const std::vector<int64_t> &params)
{
    m_names = names;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (size_t i = 0; i < names.size(); ++i)
        ticker->addTick(double(i), i < params.size() ? QStringLiteral("%1 (%2)").arg(
                                                           names[i], NumberFormat::count(params[i]))
                                                     : names[i]);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(-0.6, std::max<double>(1, names.size()) - 0.4);
}

void BitAllocationView::drawBars(const std::vector<double> &bits)
{
    QVector<double> keys, heights;
    double maxBits = 1;
    for (size_t i = 0; i < bits.size(); ++i)
        if (bits[i] >= 0) {
            keys.push_back(double(i));
            heights.push_back(bits[i]);
            maxBits = std::max(maxBits, bits[i]);
        }
    m_bars->setData(keys, heights, true);
    m_plot->yAxis->setRange(0, std::max(8.0, std::ceil(maxBits)) + 0.5);
    PlotRefresh::request(m_plot);
}

void BitAllocationView::setRun(const store::RunRecord &run,
                               const std::vector<store::LayerRecord> &layers)
{
    m_live = false;
    m_layers = layers;
    m_epochs.clear();
    m_replay->hide();
    m_accuracy->clear();
    m_accuracy->hide();
    std::vector<QString> names;
    std::vector<int64_t> params;
    std::vector<double> bits;
    for (const auto &l : layers) {
        names.push_back(QString::fromStdString(l.name));
        params.push_back(l.params);
        bits.push_back(l.wbits);
    }
    setNames(names, params);
    drawBars(bits);
    m_title0 = tr("Run #%1 · %2 · average %3 weight bits · %4 (float %5)")
                   .arg(run.id)
                   .arg(QString::fromStdString(run.method))
                   .arg(run.avgWbits, 0, 'f', 2)
                   .arg(NumberFormat::bytes(run.sizeBytes), NumberFormat::bytes(run.fpSizeBytes));
    m_title->setText(m_title0);
}

void BitAllocationView::setBitHistory(const std::vector<jobs::MetricPoint> &metrics)
{
    m_epochs.clear();
    m_accuracy->clear();
    for (const auto &p : metrics)
        addMetric(p);
    m_accuracy->markEpoch(int(m_epochs.size()) - 1);
    const bool replay = m_epochs.size() >= 2;
    m_replay->setVisible(replay);
    if (replay) {
        const QSignalBlocker block(m_slider);
        m_slider->setRange(0, int(m_epochs.size()) - 1);
        m_slider->setValue(m_slider->maximum()); // the stored allocation
        m_epochLabel->setText(tr("epoch %1 of %2").arg(m_slider->value()).arg(m_slider->maximum()));
    }
}

void BitAllocationView::beginLive(const std::vector<QString> &layerNames, const QString &title)
{
    m_live = true;
    m_layers.clear();
    m_epochs.clear();
    m_replay->hide();
    m_accuracy->clear();
    m_accuracy->hide();
    setNames(layerNames, {});
    drawBars({});
    m_title0 = title;
    m_title->setText(tr("%1 · bits appear here as the method learns them").arg(title));
}

void BitAllocationView::addMetric(const jobs::MetricPoint &point)
{
    static const std::string prefix = "bits/";
    if (m_accuracy->addMetric(point)) {
        m_accuracy->setVisible(m_accuracy->pointCount() > 0);
        if (m_live)
            m_accuracy->markEpoch(int(point.step));
        return;
    }
    if (point.series.rfind(prefix, 0) != 0 || point.step < 0)
        return;
    const auto name = QString::fromStdString(point.series.substr(prefix.size()));
    const auto it = std::find(m_names.begin(), m_names.end(), name);
    if (it == m_names.end())
        return;
    const auto epoch = size_t(point.step);
    if (m_epochs.size() <= epoch)
        m_epochs.resize(epoch + 1, std::vector<double>(m_names.size(), -1.0));
    m_epochs[epoch][size_t(it - m_names.begin())] = point.value;
    if (!m_live)
        return; // a stored run's history: setBitHistory shows it once read
    m_replay->setVisible(m_epochs.size() >= 2);
    const QSignalBlocker block(m_slider);
    m_slider->setRange(0, int(m_epochs.size()) - 1);
    m_slider->setValue(int(epoch));
    showEpoch(int(epoch));
}

void BitAllocationView::showEpoch(int epoch)
{
    if (epoch < 0 || size_t(epoch) >= m_epochs.size())
        return;
    drawBars(m_epochs[size_t(epoch)]);
    m_accuracy->markEpoch(epoch);
    const int last = int(m_epochs.size()) - 1;
    m_epochLabel->setText(tr("epoch %1 of %2").arg(epoch).arg(last));
    m_title->setText(m_live || epoch != last
                         ? tr("%1 · bits after epoch %2").arg(m_title0).arg(epoch)
                         : m_title0);
}

void BitAllocationView::clear(const QString &message)
{
    m_live = false;
    m_layers.clear();
    m_names.clear();
    m_epochs.clear();
    m_replay->hide();
    m_accuracy->clear();
    m_accuracy->hide();
    m_bars->data()->clear();
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_plot->yAxis->setRange(0, 8.5);
    m_title->setText(message);
    PlotRefresh::request(m_plot);
}

int BitAllocationView::barCount() const
{
    return m_bars->dataCount();
}

double BitAllocationView::barHeight(int index) const
{
    return m_bars->data()->at(index)->value;
}

QString BitAllocationView::toolTipFor(int index) const
{
    if (index < 0 || size_t(index) >= m_layers.size())
        return {};
    const auto &l = m_layers[size_t(index)];
    return tr("%1 (%2)\nweights: %3\nweight bits: %4\nactivation bits: %5\nSQNR: %6 dB")
        .arg(QString::fromStdString(l.name), QString::fromStdString(l.kind))
        .arg(l.params)
        .arg(index < m_bars->dataCount() ? barHeight(index) : l.wbits, 0, 'g', 4)
        .arg(l.abits >= 32 ? tr("float") : QString::number(l.abits))
        .arg(l.sqnrDb, 0, 'f', 1);
}

void BitAllocationView::showToolTip(QMouseEvent *event)
{
    const double key = m_plot->xAxis->pixelToCoord(event->pos().x());
    const double value = m_plot->yAxis->pixelToCoord(event->pos().y());
    const int index = int(std::lround(key));
    const bool onBar = index >= 0 && size_t(index) < m_layers.size() &&
                       index < m_bars->dataCount() &&
                       std::abs(key - index) <= m_bars->width() / 2 && value >= 0 &&
                       value <= barHeight(index);
    if (onBar)
        QToolTip::showText(event->globalPosition().toPoint(), toolTipFor(index), m_plot);
    else
        QToolTip::hideText();
}

} // namespace quantscope::widgets
