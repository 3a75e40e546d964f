// SPDX-License-Identifier: MIT
#include "model_view.h"

#include "histogram_view.h"
#include "table_exporter.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>

namespace quantscope::widgets {

ModelView::ModelView(QWidget *parent)
    : QSplitter(Qt::Horizontal, parent), m_layers(new LayerTableModel(this)),
      m_sorted(new QSortFilterProxyModel(this)), m_table(new QTableView(this)),
      m_histogram(new HistogramView(this))
{
    m_sorted->setSourceModel(m_layers);
    m_sorted->setSortRole(LayerTableModel::SortRole);
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // graph order until the user sorts
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    TableExporter::addContextMenu(m_table, tr("layers"));
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        const auto index = m_sorted->mapToSource(m_table->currentIndex());
        if (index.isValid())
            Q_EMIT layerSelected(index.row()); // source rows are in graph order: the layer id
    });
    addWidget(m_table);
    addWidget(m_histogram);
    setStretchFactor(0, 1);
    setStretchFactor(1, 1);
}

void ModelView::setLayers(std::vector<LayerRow> layers)
{
    m_layers->setLayers(std::move(layers));
    m_table->resizeColumnsToContents();
    m_table->selectRow(0);
}

void ModelView::setResults(const std::vector<store::LayerRecord> &results)
{
    m_layers->setResults(results);
}

void ModelView::selectLayer(int id)
{
    m_table->setCurrentIndex(m_sorted->mapFromSource(m_layers->index(id, 0)));
}

void ModelView::showWeights(std::vector<float> weights, const QString &title)
{
    m_histogram->setWeights(std::move(weights), {}, title);
}

const QAbstractItemModel &ModelView::shownRows() const
{
    return *m_sorted;
}

} // namespace quantscope::widgets
