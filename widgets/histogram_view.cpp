// SPDX-License-Identifier: MIT
#include "histogram_view.h"

#include "plot_exporter.h"
#include "plot_refresh.h"
#include "weight_binner.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace quantscope::widgets {

HistogramView::HistogramView(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_binSpin(new QSpinBox(this))
{
    m_binSpin->setRange(8, 1024);
    m_binSpin->setValue(128);
    m_binSpin->setToolTip(tr("Number of equal-width bins (float weights only; a run's snapshots "
                             "keep the bins the method recorded)"));
    connect(m_binSpin, &QSpinBox::valueChanged, this, [this] { rebin(); });

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Bins:"), this));
    controls->addWidget(m_binSpin);
    controls->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_plot, 1);

    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, QString(), QFont(font().family(), 10, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_plot->xAxis->setLabel(tr("weight value"));
    m_plot->yAxis->setLabel(tr("weights per bin (count)"));

    m_bars = m_plot->addGraph();
    m_bars->setName(tr("latent weights"));
    m_bars->setLineStyle(QCPGraph::lsStepLeft);
    m_bars->setPen(QPen(QColor(40, 90, 160)));
    m_bars->setBrush(QColor(40, 90, 160, 90));

    // One impulse per level: a single plottable is far cheaper than an item per line.
    m_grid = m_plot->addGraph();
    m_grid->setName(tr("grid levels"));
    m_grid->setLineStyle(QCPGraph::lsImpulse);

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
    m_weights = std::move(weights);
    m_gridLevels = std::move(gridLevels);
    m_range = WeightBinner::range(m_weights, m_gridLevels);
    m_titleText = title;
    m_binSpin->setEnabled(true);
    rebin();
}

void HistogramView::setSnapshot(const jobs::LayerSnapshot &snapshot, const QString &title)
{
    m_weights.clear();
    m_binSpin->setEnabled(false);
    draw(snapshot.binEdges, snapshot.counts, snapshot.gridLevels, title);
}

void HistogramView::clear(const QString &message)
{
    m_weights.clear();
    draw({}, {}, {}, message);
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

void HistogramView::rebin()
{
    if (m_weights.empty())
        return;
    const auto binned = WeightBinner::bin(m_weights, m_binSpin->value(), m_range.first,
                                          m_range.second);
    draw(binned.edges, binned.counts, m_gridLevels, m_titleText);
}

void HistogramView::draw(const std::vector<double> &edges, const std::vector<double> &counts,
                         const std::vector<double> &gridLevels, const QString &title)
{
    m_title->setText(title);
    QVector<double> keys(edges.begin(), edges.end());
    QVector<double> values(counts.begin(), counts.end());
    if (!values.isEmpty())
        values.push_back(values.back()); // lsStepLeft needs the right edge of the last bin
    m_bars->setData(keys, values, true);

    const double top = counts.empty() ? 1.0 : *std::max_element(counts.begin(), counts.end());
    QVector<double> levels(gridLevels.begin(), gridLevels.end());
    std::sort(levels.begin(), levels.end());
    m_grid->setData(levels, QVector<double>(levels.size(), top * 1.05), true);
    // Fine grids (6–8 bits) would paint a solid wall: fade their lines so the weights show.
    const int alpha = levels.size() <= 16 ? 200 : levels.size() <= 64 ? 110 : 45;
    m_grid->setPen(QPen(QColor(200, 60, 40, alpha), levels.size() <= 64 ? 1.2 : 0.8));

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

} // namespace quantscope::widgets
