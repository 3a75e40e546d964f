// SPDX-License-Identifier: MIT
#include "layer_trend_view.h"

#include "plot_exporter.h"
#include "plot_refresh.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>

namespace quantscope::widgets {

LayerTrendView::LayerTrendView(QWidget *parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumHeight(110);

    const QFont small(font().family(), 8);
    for (auto *axis : {m_plot->xAxis, m_plot->yAxis, m_plot->yAxis2}) {
        axis->setLabelFont(small);
        axis->setTickLabelFont(small);
    }
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(tr("on a level (%)"));
    m_plot->yAxis2->setLabel(tr("α"));

    m_clustered = m_plot->addGraph();
    m_clustered->setName(tr("weights within ⅒ step of a level"));
    m_clustered->setPen(QPen(QColor(40, 90, 160), 1.6));
    m_clustered->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
    m_alpha = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_alpha->setName(tr("α (DSQ)"));
    m_alpha->setPen(QPen(QColor(200, 110, 20), 1.4));
    m_marker = new QCPItemStraightLine(m_plot);
    m_marker->setPen(QPen(QColor(120, 120, 120), 1, Qt::DotLine));
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(small);
    // Top right: α falls from the top left and the share starts near a fifth, at the bottom.
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    PlotExporter::addContextMenu(m_plot, tr("layer-trend"));
    setSeries({}, {}, {}, {});
}

void LayerTrendView::setSeries(const std::vector<double> &steps,
                               const std::vector<double> &clustered,
                               const std::vector<double> &alphaSteps,
                               const std::vector<double> &alpha)
{
    QVector<double> percent;
    for (double c : clustered)
        percent.push_back(100.0 * c);
    m_clustered->setData(QVector<double>(steps.begin(), steps.end()), percent, true);
    m_alpha->setData(QVector<double>(alphaSteps.begin(), alphaSteps.end()),
                     QVector<double>(alpha.begin(), alpha.end()), true);
    const bool hasAlpha = !alpha.empty();
    m_plot->yAxis2->setVisible(hasAlpha);
    m_alpha->removeFromLegend();
    if (hasAlpha)
        m_alpha->addToLegend();

    double first = 0, last = 1;
    if (!steps.empty() || hasAlpha) {
        first = std::min(steps.empty() ? alphaSteps.front() : steps.front(),
                         hasAlpha ? alphaSteps.front() : steps.front());
        last = std::max(steps.empty() ? alphaSteps.back() : steps.back(),
                        hasAlpha ? alphaSteps.back() : steps.back());
    }
    m_plot->xAxis->setRange(first, std::max(last, first + 1));
    m_plot->yAxis->setRange(0, 100);
    if (hasAlpha) {
        const auto [lo, hi] = std::minmax_element(alpha.begin(), alpha.end());
        const double pad = std::max((*hi - *lo) * 0.15, 0.01);
        m_plot->yAxis2->setRange(std::max(0.0, *lo - pad), *hi + pad);
    }
    PlotRefresh::request(m_plot);
}

void LayerTrendView::setMarker(double step)
{
    m_marker->point1->setCoords(step, 0);
    m_marker->point2->setCoords(step, 1);
    PlotRefresh::request(m_plot);
}

int LayerTrendView::clusteredCount() const
{
    return m_clustered->dataCount();
}

int LayerTrendView::alphaCount() const
{
    return m_alpha->dataCount();
}

} // namespace quantscope::widgets
