// SPDX-License-Identifier: MIT
#include "bit_allocation_view.h"

#include "number_format.h"
#include "plot_exporter.h"
#include "plot_refresh.h"

#include <qcustomplot.h>

#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace quantscope::widgets {

BitAllocationView::BitAllocationView(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

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

void BitAllocationView::setRun(const store::RunRecord &run,
                               const std::vector<store::LayerRecord> &layers)
{
    m_layers = layers;
    QVector<double> keys, bits;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    double maxBits = 1;
    for (size_t i = 0; i < layers.size(); ++i) {
        keys.push_back(double(i));
        bits.push_back(layers[i].wbits);
        maxBits = std::max(maxBits, layers[i].wbits);
        ticker->addTick(double(i), QStringLiteral("%1 (%2)")
                                       .arg(QString::fromStdString(layers[i].name),
                                            NumberFormat::count(layers[i].params)));
    }
    m_bars->setData(keys, bits, true);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(-0.6, std::max<double>(1, layers.size()) - 0.4);
    m_plot->yAxis->setRange(0, std::ceil(maxBits) + 0.5);
    m_title->setText(tr("Run #%1 · %2 · average %3 weight bits · %4 (float %5)")
                         .arg(run.id)
                         .arg(QString::fromStdString(run.method))
                         .arg(run.avgWbits, 0, 'f', 2)
                         .arg(NumberFormat::bytes(run.sizeBytes),
                              NumberFormat::bytes(run.fpSizeBytes)));
    PlotRefresh::request(m_plot);
}

void BitAllocationView::clear(const QString &message)
{
    m_layers.clear();
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
        .arg(l.wbits, 0, 'g', 4)
        .arg(l.abits >= 32 ? tr("float") : QString::number(l.abits))
        .arg(l.sqnrDb, 0, 'f', 1);
}

void BitAllocationView::showToolTip(QMouseEvent *event)
{
    const double key = m_plot->xAxis->pixelToCoord(event->pos().x());
    const double value = m_plot->yAxis->pixelToCoord(event->pos().y());
    const int index = int(std::lround(key));
    const bool onBar = index >= 0 && size_t(index) < m_layers.size() &&
                       std::abs(key - index) <= m_bars->width() / 2 && value >= 0 &&
                       value <= m_layers[size_t(index)].wbits;
    if (onBar)
        QToolTip::showText(event->globalPosition().toPoint(), toolTipFor(index), m_plot);
    else
        QToolTip::hideText();
}

} // namespace quantscope::widgets
