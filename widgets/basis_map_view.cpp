// SPDX-License-Identifier: MIT
#include "basis_map_view.h"

#include "plot_exporter.h"
#include "plot_refresh.h"

#include <qcustomplot.h>

#include <QToolTip>
#include <QVBoxLayout>

namespace quantscope::widgets {

BasisMapView::BasisMapView(QWidget *parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    setMinimumHeight(140);

    const QFont small(font().family(), 8);
    for (auto *axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setLabelFont(small);
        axis->setTickLabelFont(small);
        axis->grid()->setVisible(false);
    }
    m_plot->xAxis->setLabel(tr("group within the filter (tap or piece)"));
    m_plot->yAxis->setLabel(tr("output filter"));
    m_plot->yAxis->setRangeReversed(true); // filter 0 at the top, as a weight tensor reads
    for (auto *axis : {m_plot->xAxis, m_plot->yAxis}) { // whole groups only
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        axis->setTicker(ticker);
    }

    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    auto *scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(0, 1, scale);
    scale->setLabel(tr("bases"));
    scale->axis()->setLabelFont(small);
    scale->axis()->setTickLabelFont(small);
    m_map->setColorScale(scale);
    // Dark for a pruned group, rising to yellow — never white, which a full group would
    // vanish into on the plot's background (viridis' ends and middle).
    QCPColorGradient gradient;
    gradient.setColorStopAt(0.0, QColor(68, 1, 84));
    gradient.setColorStopAt(0.5, QColor(33, 145, 140));
    gradient.setColorStopAt(1.0, QColor(253, 231, 37));
    m_map->setGradient(gradient);
    m_map->setInterpolate(false);
    auto *margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);

    m_mark = new QCPItemRect(m_plot);
    m_mark->setPen(QPen(QColor(40, 200, 255), 2));
    m_mark->setBrush(Qt::NoBrush);
    m_mark->setVisible(false);

    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mousePress, this, &BasisMapView::onClick);
    connect(m_plot, &QCustomPlot::mouseMove, this, &BasisMapView::onMove);
    PlotExporter::addContextMenu(m_plot, tr("bases-per-group"));
}

void BasisMapView::setSnapshot(const jobs::LayerSnapshot &snapshot)
{
    const bool sameShape = snapshot.groupRows == m_snapshot.groupRows &&
                           snapshot.groupColumns == m_snapshot.groupColumns;
    m_snapshot = snapshot;
    if (!sameShape)
        m_selected = -1; // another layer: its own default group
    const int rows = snapshot.groupRows, columns = snapshot.groupColumns;
    m_map->data()->setSize(columns, rows);
    // Cell centres run 0 … n − 1; a lone column (a layer grouped per filter) spans ±½.
    auto centres = [](int n) { return n > 1 ? QCPRange(0, n - 1) : QCPRange(-0.5, 0.5); };
    m_map->data()->setRange(centres(columns), centres(rows));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < columns; ++c)
            m_map->data()->setCell(c, r, snapshot.basesOf(r * columns + c));
    m_map->setDataRange(QCPRange(0, std::max(1, snapshot.groupMaxBases)));
    auto gradient = m_map->gradient(); // one colour per count of bases
    gradient.setLevelCount(std::max(2, snapshot.groupMaxBases + 1));
    m_map->setGradient(gradient);
    m_plot->xAxis->setRange(-0.5, columns - 0.5);
    m_plot->yAxis->setRange(-0.5, rows - 0.5);
    drawSelection();
}

void BasisMapView::selectGroup(int group)
{
    m_selected = group >= 0 && group < m_snapshot.groupCount() ? group : -1;
    drawSelection();
    Q_EMIT groupSelected(m_selected);
}

void BasisMapView::drawSelection()
{
    m_mark->setVisible(m_selected >= 0);
    if (m_selected >= 0) {
        const int columns = std::max(1, m_snapshot.groupColumns);
        const double c = m_selected % columns, r = m_selected / columns;
        m_mark->topLeft->setCoords(c - 0.5, r - 0.5);
        m_mark->bottomRight->setCoords(c + 0.5, r + 0.5);
    }
    PlotRefresh::request(m_plot);
}

int BasisMapView::groupAt(const QPointF &pixel) const
{
    if (!m_snapshot.hasGroups())
        return -1;
    const int c = int(std::floor(m_plot->xAxis->pixelToCoord(pixel.x()) + 0.5));
    const int r = int(std::floor(m_plot->yAxis->pixelToCoord(pixel.y()) + 0.5));
    if (c < 0 || r < 0 || c >= m_snapshot.groupColumns || r >= m_snapshot.groupRows)
        return -1;
    return r * m_snapshot.groupColumns + c;
}

QString BasisMapView::toolTipFor(int group) const
{
    if (group < 0 || group >= m_snapshot.groupCount())
        return {};
    QStringList alphas;
    for (double a : m_snapshot.groupAlphas(group))
        alphas << QString::number(a, 'g', 3);
    const int columns = m_snapshot.groupColumns;
    return tr("filter %1, group %2: %3 bases\nα = %4")
        .arg(group / columns)
        .arg(group % columns)
        .arg(m_snapshot.basesOf(group))
        .arg(alphas.isEmpty() ? tr("none (the group is zero)") : alphas.join(QStringLiteral(", ")));
}

void BasisMapView::onClick(QMouseEvent *event)
{
    if (const int group = groupAt(event->position()); group >= 0)
        selectGroup(group);
}

void BasisMapView::onMove(QMouseEvent *event)
{
    const QString tip = toolTipFor(groupAt(event->position()));
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
}

} // namespace quantscope::widgets
