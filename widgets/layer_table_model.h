// SPDX-License-Identifier: MIT
// LayerTableModel: the model view's table — one row per quantizable layer, with the bits and SQNR
// of a run once one is shown. Sorts numerically through Qt::UserRole.
#pragma once

#include "store/run_record.h"

#include <QAbstractTableModel>

#include <vector>

namespace quantscope::widgets {

struct LayerRow
{
    QString name;
    QString kind;
    QString shape; // "16×1×3×3"
    qint64 params = 0;
};

class LayerTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, Kind, Shape, Params, WeightBits, ActBits, Sqnr, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;

    using QAbstractTableModel::QAbstractTableModel;
    void setLayers(std::vector<LayerRow> layers);
    // The per-layer results of a run (matched by name); empty clears them.
    void setResults(const std::vector<store::LayerRecord> &results);
    const LayerRow &layer(int row) const { return m_layers.at(size_t(row)); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<LayerRow> m_layers;
    std::vector<const store::LayerRecord *> m_resultOf; // per row, null when none
    std::vector<store::LayerRecord> m_results;
};

} // namespace quantscope::widgets
