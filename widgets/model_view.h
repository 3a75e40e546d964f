// SPDX-License-Identifier: MIT
// ModelView: the Model tab — the open model's layer table (sortable; graph order until the user
// sorts) beside the selected layer's float weights. Layers are named by their id, their place in
// graph order, whatever the table's sorting.
#pragma once

#include "layer_table_model.h"

#include <QSplitter>

class QAbstractItemModel;
class QSortFilterProxyModel;
class QTableView;

namespace quantscope::widgets {

class HistogramView;

class ModelView : public QSplitter
{
    Q_OBJECT
public:
    explicit ModelView(QWidget *parent = nullptr);

    // Shows the layers and selects the first.
    void setLayers(std::vector<LayerRow> layers);
    // A run's results beside the layers (empty: none).
    void setResults(const std::vector<store::LayerRecord> &results);
    const LayerRow &layer(int id) const { return m_layers->layer(id); }
    // Selects a layer in the table, which emits layerSelected.
    void selectLayer(int id);
    void showWeights(std::vector<float> weights, const QString &title);

    QTableView *table() const { return m_table; }
    HistogramView *histogram() const { return m_histogram; }
    // The table's rows as shown (sorted), for export.
    const QAbstractItemModel &shownRows() const;

Q_SIGNALS:
    void layerSelected(int id);

private:
    LayerTableModel *m_layers;
    QSortFilterProxyModel *m_sorted;
    QTableView *m_table;
    HistogramView *m_histogram;
};

} // namespace quantscope::widgets
