// SPDX-License-Identifier: MIT
#include "bits_accuracy_view.h"

#include "plot_exporter.h"
#include "plot_refresh.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

namespace quantscope::widgets {

BitsAccuracyView::BitsAccuracyView(QWidget *parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumWidth(260);
    const QFont small(font().family(), 8);
    for (auto *axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setLabelFont(small);
        axis->setTickLabelFont(small);
    }
    m_plot->xAxis->setLabel(tr("average weight bits"));
    m_plot->xAxis->setRangeReversed(true); // training runs left to right as bits fall
    m_plot->yAxis->setLabel(tr("test top-1 (%)"));
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(
        0, 0, new QCPTextElement(m_plot, tr("Accuracy against bits, by epoch"),
                                 QFont(font().family(), 9, QFont::Bold)));
    m_path = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    m_path->setPen(QPen(QColor(40, 90, 160), 1.5));
    m_path->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    m_mark = m_plot->addGraph();
    m_mark->setLineStyle(QCPGraph::lsNone);
    m_mark->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(200, 60, 40), QColor(200, 60, 40), 9));
    PlotExporter::addContextMenu(m_plot, tr("accuracy-vs-bits"));
}

void BitsAccuracyView::clear()
{
    m_bits.clear();
    m_top1.clear();
    m_marked = -1;
    redraw();
}

bool BitsAccuracyView::addMetric(const jobs::MetricPoint &point)
{
    if (point.series == "avg_bits")
        m_bits[int(point.step)] = point.value;
    else if (point.series == "test_top1")
        m_top1[int(point.step)] = 100.0 * point.value;
    else
        return false;
    redraw();
    return true;
}

void BitsAccuracyView::markEpoch(int epoch)
{
    m_marked = epoch;
    redraw();
}

int BitsAccuracyView::pointCount() const
{
    return m_path->dataCount();
}

void BitsAccuracyView::redraw()
{
    QVector<double> t, x, y;
    for (const auto &[epoch, top1] : m_top1)
        if (const auto b = m_bits.find(epoch); b != m_bits.end()) {
            t.push_back(epoch);
            x.push_back(b->second);
            y.push_back(top1);
        }
    m_path->setData(t, x, y);
    m_mark->data()->clear();
    if (const auto i = t.indexOf(double(m_marked)); i >= 0)
        m_mark->addData(x[i], y[i]);
    if (!x.isEmpty()) {
        const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
        const auto [bottom, top] = std::minmax_element(y.begin(), y.end());
        m_plot->xAxis->setRange(*lo - 0.2, *hi + 0.2);
        m_plot->yAxis->setRange(*bottom - 1, *top + 1);
    }
    PlotRefresh::request(m_plot);
}

} // namespace quantscope::widgets
