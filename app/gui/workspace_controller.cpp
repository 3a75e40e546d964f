// SPDX-License-Identifier: MIT
#include "workspace_controller.h"

#include "compare_view.h"
#include "deploy/deployment_records.h"
#include "error.h"

#include <QComboBox>
#include <QSettings>

#include <filesystem>

namespace quantscope::gui {

WorkspaceController::WorkspaceController(QComboBox *runPicker, widgets::CompareView *compare,
                                         QObject *parent)
    : QObject(parent), m_picker(runPicker), m_compare(compare)
{
    connect(m_picker, &QComboBox::activated, this,
            [this](int index) { Q_EMIT runPicked(m_picker->itemData(index).toLongLong()); });
    connect(m_compare, &widgets::CompareView::pairSelected, this, [this](qint64 a, qint64 b) {
        try {
            m_compare->setPair(m_workspace->run(a), m_workspace->layers(a), m_workspace->run(b),
                               m_workspace->layers(b));
        } catch (const Error &e) {
            Q_EMIT comparisonFailed(QString::fromStdString(e.what()));
        }
    });
}

WorkspaceController::~WorkspaceController() = default;

QString WorkspaceController::runLabel(const store::RunRecord &r)
{
    return QStringLiteral("#%1 %2 %3 · %4")
        .arg(r.id)
        .arg(QString::fromStdString(r.method), QString::fromStdString(r.bitsLabel()),
             QString::fromStdString(r.status));
}

void WorkspaceController::open(const QString &dir)
{
    m_workspace = std::make_unique<store::Workspace>(dir.toStdString());
    QSettings().setValue(QStringLiteral("workspace"), this->dir());
}

void WorkspaceController::copyTo(const QString &dir)
{
    namespace fs = std::filesystem;
    const fs::path target = dir.toStdString();
    std::error_code ec;
    if (fs::exists(target, ec) && !fs::is_empty(target, ec))
        throw Error(tr("%1 is not empty: choose a new or empty folder.").arg(dir).toStdString());
    // The GUI's connection is closed first so the copy holds a consistent database.
    const std::string source = m_workspace->dir();
    m_workspace.reset();
    fs::create_directories(target, ec);
    if (!ec)
        fs::copy(source, target, fs::copy_options::recursive, ec);
    if (ec)
        throw Error(tr("Could not copy the workspace to %1: %2")
                        .arg(dir, QString::fromStdString(ec.message()))
                        .toStdString());
}

QString WorkspaceController::dir() const
{
    return m_workspace ? QString::fromStdString(m_workspace->dir()) : QString();
}

void WorkspaceController::refreshRuns(qint64 shown)
{
    if (!m_workspace)
        return;
    const auto runs = m_workspace->runs();
    m_compare->setRuns(runs);
    std::map<int64_t, deploy::DeploymentSummary> latestOf;
    std::map<int64_t, std::vector<deploy::DeploymentSummary>> perDevice;
    for (const auto &run : runs) {
        const auto all = deploy::DeploymentRecords::forRun(m_workspace->dir(), run.id);
        deploy::DeploymentSummary latest;
        if (deploy::DeploymentRecords::latest(all, &latest))
            latestOf[run.id] = latest;
        perDevice[run.id] = deploy::DeploymentRecords::newestPerDevice(all);
    }
    m_compare->setDeployments(std::move(latestOf), std::move(perDevice));
    const QSignalBlocker block(m_picker);
    m_picker->clear();
    for (auto it = runs.rbegin(); it != runs.rend(); ++it)
        m_picker->addItem(runLabel(*it), qint64(it->id));
    m_picker->setCurrentIndex(std::max(0, m_picker->findData(shown)));
}

void WorkspaceController::showInPicker(qint64 runId)
{
    const QSignalBlocker block(m_picker);
    m_picker->setCurrentIndex(m_picker->findData(runId));
}

} // namespace quantscope::gui
