// SPDX-License-Identifier: MIT
// RunTableModel: every run of a workspace as a table row (method, bits, top-1, drop against
// float, size, average bits, time and the device it ran on, status, and the low-bit latency of
// its latest deploy);
// sorts numerically through Qt::UserRole.
#pragma once

#include "deploy/deployment_records.h"
#include "store/run_record.h"

#include <QAbstractTableModel>

#include <map>
#include <vector>

namespace quantscope::widgets {

class RunTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Id, Method, WBits, ABits, Status, Top1, Drop, Latency, Size, AvgBits, Seconds,
                  Device, Created, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int RunIdRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;
    void setRuns(std::vector<store::RunRecord> runs);
    // The deploy to show per run id (DeploymentRecords::latest); runs without one show none.
    void setDeployments(std::map<int64_t, deploy::DeploymentSummary> deployments);
    const std::vector<store::RunRecord> &runs() const { return m_runs; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<store::RunRecord> m_runs;
    std::vector<QString> m_devices; // per run, from its stored settings
    std::map<int64_t, deploy::DeploymentSummary> m_deployments;
};

} // namespace quantscope::widgets
