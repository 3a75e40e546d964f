// SPDX-License-Identifier: MIT
#include "layer_table_model.h"

namespace quantscope::widgets {

void LayerTableModel::setLayers(std::vector<LayerRow> layers)
{
    beginResetModel();
    m_layers = std::move(layers);
    m_results.clear();
    m_resultOf.assign(m_layers.size(), nullptr);
    endResetModel();
}

void LayerTableModel::setResults(const std::vector<store::LayerRecord> &results)
{
    m_results = results;
    for (size_t row = 0; row < m_layers.size(); ++row) {
        m_resultOf[row] = nullptr;
        for (const auto &r : m_results)
            if (QString::fromStdString(r.name) == m_layers[row].name)
                m_resultOf[row] = &r;
    }
    if (!m_layers.empty())
        Q_EMIT dataChanged(index(0, WeightBits), index(rowCount() - 1, Sqnr));
}

int LayerTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_layers.size());
}

int LayerTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayerTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || (role != Qt::DisplayRole && role != SortRole &&
                             role != Qt::TextAlignmentRole))
        return {};
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Params ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    const auto &l = m_layers[size_t(index.row())];
    const auto *r = m_resultOf[size_t(index.row())];
    switch (index.column()) {
    case Name: return l.name;
    case Kind: return l.kind;
    case Shape: return l.shape;
    case Params: return role == SortRole ? QVariant(l.params) : QVariant(QString::number(l.params));
    case WeightBits:
        if (!r)
            return role == SortRole ? QVariant(-1.0) : QVariant(QStringLiteral("–"));
        return role == SortRole ? QVariant(r->wbits) : QVariant(QString::number(r->wbits, 'g', 4));
    case ActBits:
        if (!r)
            return role == SortRole ? QVariant(-1.0) : QVariant(QStringLiteral("–"));
        if (role == SortRole)
            return r->abits;
        return r->abits >= 32 ? tr("float") : QString::number(r->abits);
    case Sqnr:
        if (!r)
            return role == SortRole ? QVariant(-1e9) : QVariant(QStringLiteral("–"));
        return role == SortRole ? QVariant(r->sqnrDb) : QVariant(QString::number(r->sqnrDb, 'f', 1));
    default: return {};
    }
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name: return tr("Layer");
    case Kind: return tr("Kind");
    case Shape: return tr("Weight shape");
    case Params: return tr("Weights");
    case WeightBits: return tr("W bits");
    case ActBits: return tr("A bits");
    case Sqnr: return tr("SQNR (dB)");
    default: return {};
    }
}

} // namespace quantscope::widgets
