// SPDX-License-Identifier: MIT
#include "curves_view.h"

#include "plot_exporter.h"
#include "plot_refresh.h"

#include <qcustomplot.h>

#include <QTimer>
#include <QVBoxLayout>

namespace quantscope::widgets {

namespace {
const QColor kPalette[] = {QColor(40, 90, 160), QColor(200, 60, 40),  QColor(40, 140, 70),
                           QColor(150, 80, 170), QColor(210, 140, 20), QColor(90, 90, 90)};

bool isAccuracy(const std::string &series) { return series.find("top1") != std::string::npos; }
bool isPerEpoch(const std::string &series)
{
    return isAccuracy(series) || series.rfind("epoch_", 0) == 0;
}
// BRECQ's rounding regulariser is summed over a block's weights: hundreds where the output
// error is below one. On the left axis it would flatten the error curve, so it gets the right.
bool isRegulariser(const std::string &series) { return series == "round"; }
// Per-layer values (DSQ's α, BRECQ's bit allocation), per-block or per-generation summaries and
// timings are stored with the run but would bury the curves a user watches.
bool isShown(const std::string &series)
{
    for (const char *prefix : {"alpha/", "bits/", "block_", "mp_", "phase_seconds/"})
        if (series.rfind(prefix, 0) == 0)
            return false;
    // ALQ's average bits and learning rate per epoch: the bit allocation view plots the bits.
    return series != "epoch_seconds" && series != "avg_bits" && series != "lr";
}
} // namespace

CurvesView::CurvesView(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_redrawTimer(new QTimer(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

    m_stepRect = m_plot->axisRect();
    m_stepRect->axis(QCPAxis::atBottom)->setLabel(tr("training step"));
    m_stepRect->axis(QCPAxis::atLeft)->setLabel(tr("loss"));
    m_stepRect->axis(QCPAxis::atRight)->setLabel(tr("rounding regulariser"));
    m_epochRect = new QCPAxisRect(m_plot);
    showEpochPlot(false); // until a series needs it
    m_epochRect->axis(QCPAxis::atBottom)->setLabel(tr("epoch"));
    QSharedPointer<QCPAxisTickerFixed> wholeEpochs(new QCPAxisTickerFixed);
    wholeEpochs->setTickStep(1.0);
    wholeEpochs->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_epochRect->axis(QCPAxis::atBottom)->setTicker(wholeEpochs);
    m_epochRect->axis(QCPAxis::atLeft)->setLabel(tr("top-1 accuracy (%)"));
    m_epochRect->axis(QCPAxis::atRight)->setVisible(true);
    m_epochRect->axis(QCPAxis::atRight)->setLabel(tr("epoch loss"));

    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));

    m_redrawTimer->setSingleShot(true);
    m_redrawTimer->setInterval(100);
    connect(m_redrawTimer, &QTimer::timeout, this, &CurvesView::redraw);
    PlotExporter::addContextMenu(m_plot, tr("curves"));
    redraw();
}

void CurvesView::showEpochPlot(bool shown)
{
    // Out of the layout it would still draw its axes' labels in a corner.
    m_epochRect->setVisible(shown);
    auto *layout = m_plot->plotLayout();
    if (shown == (m_epochRect->layout() != nullptr))
        return;
    if (shown) {
        layout->addElement(1, 0, m_epochRect);
    } else {
        layout->take(m_epochRect);
        layout->simplify();
    }
}

void CurvesView::clear()
{
    for (auto *graph : std::as_const(m_graphs))
        m_plot->removeGraph(graph);
    m_graphs.clear();
    // The regulariser's axis and the epoch plot come back with the next run that has them: a
    // post-training run (RTN, BRECQ) has no epochs and would show an empty plot.
    m_stepRect->axis(QCPAxis::atRight)->setVisible(false);
    showEpochPlot(false);
    redraw();
}

QCPGraph *CurvesView::graphFor(const std::string &series)
{
    const QString name = QString::fromStdString(series);
    if (auto it = m_graphs.find(name); it != m_graphs.end())
        return *it;
    const bool perEpoch = isPerEpoch(series);
    if (perEpoch)
        showEpochPlot(true);
    QCPAxisRect *rect = perEpoch ? m_epochRect : m_stepRect;
    const bool right = (perEpoch && !isAccuracy(series)) || isRegulariser(series);
    QCPAxis *valueAxis = rect->axis(right ? QCPAxis::atRight : QCPAxis::atLeft);
    valueAxis->setVisible(true);
    auto *graph = m_plot->addGraph(rect->axis(QCPAxis::atBottom), valueAxis);
    graph->setName(name);
    const QColor color = kPalette[m_graphs.size() % std::size(kPalette)];
    graph->setPen(QPen(color, 1.5));
    if (perEpoch) { // few points: mark them
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 6));
    }
    m_graphs.insert(name, graph);
    return graph;
}

void CurvesView::addPoint(const jobs::MetricPoint &point)
{
    if (!isShown(point.series))
        return;
    const double value = isAccuracy(point.series) ? point.value * 100.0 : point.value;
    graphFor(point.series)->addData(point.step, value);
    if (!m_redrawTimer->isActive())
        m_redrawTimer->start();
}

void CurvesView::setPoints(const std::vector<jobs::MetricPoint> &points)
{
    clear();
    for (const auto &p : points)
        addPoint(p);
    m_redrawTimer->stop();
    redraw();
}

int CurvesView::pointCount(const QString &series) const
{
    const auto it = m_graphs.find(series);
    return it == m_graphs.end() ? 0 : (*it)->dataCount();
}

void CurvesView::redraw()
{
    for (auto *rect : {m_stepRect, m_epochRect}) {
        for (auto *axis : rect->axes()) {
            bool found = false;
            QCPRange range;
            for (auto *graph : axis->graphs()) {
                bool ok = false;
                const QCPRange r = axis->orientation() == Qt::Horizontal
                                       ? graph->getKeyRange(ok)
                                       : graph->getValueRange(ok);
                if (ok)
                    range = found ? QCPRange(qMin(range.lower, r.lower), qMax(range.upper, r.upper))
                                  : r;
                found = found || ok;
            }
            if (found) {
                const double pad = qMax(range.size() * 0.05, 1e-3);
                axis->setRange(range.lower - pad, range.upper + pad);
            }
        }
    }
    PlotRefresh::request(m_plot);
}

} // namespace quantscope::widgets
