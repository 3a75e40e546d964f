// SPDX-License-Identifier: MIT
#include "run_table_model.h"

#include "json_field.h"
#include "number_format.h"

#include <QBrush>
#include <QColor>

namespace quantscope::widgets {

void RunTableModel::setRuns(std::vector<store::RunRecord> runs)
{
    beginResetModel();
    m_runs = std::move(runs);
    m_devices.clear();
    for (const auto &r : m_runs) {
        // Runs stored before the device was a setting ran on the CPU.
        const auto config = nlohmann::json::parse(r.configJson, nullptr, /*exceptions=*/false);
        m_devices.push_back(QString::fromStdString(jsonField(config, "device", "cpu")));
    }
    endResetModel();
}

int RunTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const auto &r = m_runs[size_t(index.row())];
    const bool finished = r.status == "finished";
    if (role == RunIdRole)
        return qint64(r.id);
    if (role == Qt::ForegroundRole && index.column() == Status) {
        if (r.status == "failed")
            return QBrush(QColor(190, 30, 30));
        if (r.status == "cancelled" || r.status == "interrupted")
            return QBrush(QColor(170, 110, 0));
        return {};
    }
    if (role == Qt::ToolTipRole && !r.error.empty())
        return QString::fromStdString(r.error);
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Top1 && index.column() <= Seconds
                   ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                   : QVariant();
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    const bool sort = role == SortRole;
    const QString none = QStringLiteral("–");
    switch (index.column()) {
    case Id: return sort ? QVariant(qint64(r.id)) : QVariant(QStringLiteral("#%1").arg(r.id));
    case Method: return QString::fromStdString(r.method);
    case WBits: return r.wbits;
    case ABits: return sort || r.abits < 32 ? QVariant(r.abits) : QVariant(tr("float"));
    case Status: return QString::fromStdString(r.status);
    case Top1:
        if (sort)
            return finished ? r.top1 : -1.0;
        return finished ? QString::number(100 * r.top1, 'f', 2) : none;
    case Drop:
        if (sort)
            return finished ? 100 * (r.fpTop1 - r.top1) : 1e9;
        return finished ? QString::number(100 * (r.fpTop1 - r.top1), 'f', 2) : none;
    case Size:
        if (sort)
            return qint64(r.sizeBytes);
        return finished ? NumberFormat::bytes(r.sizeBytes) : none;
    case AvgBits:
        if (sort)
            return r.avgWbits;
        return finished ? QString::number(r.avgWbits, 'f', 2) : none;
    case Seconds:
        if (sort)
            return r.seconds;
        return finished ? QString::number(r.seconds, 'f', 1) : none;
    case Device: return m_devices[size_t(index.row())];
    case Created: return QString::fromStdString(r.created);
    case Latency: {
        const auto d = m_deployments.find(r.id);
        if (d == m_deployments.end())
            return sort ? QVariant(1e9) : QVariant(none);
        const auto &s = d->second;
        if (sort)
            return s.lowbit;
        // The speedup only for a real device: an emulator's times are not the device's. A
        // modelled core's is a prediction and says so.
        const QString speed = s.emulated || s.int8 <= 0
                                  ? tr("emulated")
                                  : tr("%1× int8%2")
                                        .arg(s.int8 / s.lowbit, 0, 'f', 2)
                                        .arg(s.modelled ? tr(", modelled") : QString());
        return tr("%1 ms (%2) on %3")
            .arg(1e3 * s.lowbit, 0, 'f', 3)
            .arg(speed, QString::fromStdString(s.device));
    }
    default: return {};
    }
}

void RunTableModel::setDeployments(std::map<int64_t, deploy::DeploymentSummary> deployments)
{
    m_deployments = std::move(deployments);
    if (!m_runs.empty())
        Q_EMIT dataChanged(index(0, Latency), index(rowCount() - 1, Latency));
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Id: return tr("Run");
    case Method: return tr("Method");
    case WBits: return tr("W bits");
    case ABits: return tr("A bits");
    case Status: return tr("Status");
    case Top1: return tr("Top-1 (%)");
    case Drop: return tr("Drop vs FP (points)");
    case Size: return tr("Size");
    case AvgBits: return tr("Avg W bits");
    case Seconds: return tr("Time (s)");
    case Device: return tr("Device");
    case Created: return tr("Created (UTC)");
    case Latency: return tr("Low-bit latency");
    default: return {};
    }
}

} // namespace quantscope::widgets
