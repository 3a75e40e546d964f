// SPDX-License-Identifier: MIT
// RunTableModel: every run of a workspace as a table row (method, bits, top-1, drop against
// float, size, average bits, time, status); sorts numerically through Qt::UserRole.
#pragma once

#include "store/run_record.h"

#include <QAbstractTableModel>

#include <vector>

namespace quantscope::widgets {

class RunTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Id, Method, WBits, ABits, Status, Top1, Drop, Size, AvgBits, Seconds, Created,
                  ColumnCount };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int RunIdRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;
    void setRuns(std::vector<store::RunRecord> runs);
    const std::vector<store::RunRecord> &runs() const { return m_runs; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<store::RunRecord> m_runs;
};

} // namespace quantscope::widgets
