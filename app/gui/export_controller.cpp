// SPDX-License-Identifier: MIT
#include "export_controller.h"

#include "deploy/qsm_exporter.h"
#include "store/workspace.h"
#include "worker_thread.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>

#include <memory>

namespace quantscope::gui {

namespace {

struct Outcome
{
    bool ok = false;
    QString message;
};

// What the worker thread does: the whole export, its result as a message for the window.
Outcome exportRun(const store::RunRecord &run, const QString &path)
{
    try {
        const auto model = deploy::QsmExporter::exportRun(run, path.toStdString());
        return {true, QObject::tr("Run #%1 exported as a packed model: %2 (%3 layers, %4 KiB)")
                          .arg(run.id)
                          .arg(QDir::toNativeSeparators(path))
                          .arg(model.layers.size())
                          .arg(QFileInfo(path).size() / 1024.0, 0, 'f', 1)};
    } catch (const std::exception &e) {
        QFile::remove(path); // nothing half-written stays behind
        return {false, QObject::tr("Run #%1 could not be exported: %2")
                           .arg(run.id)
                           .arg(QString::fromStdString(e.what()))};
    }
}

} // namespace

ExportController::ExportController(QWidget *window)
    : QObject(window), m_window(window),
      m_action(new QAction(tr("Export &Packed Model…"), this)), m_worker(new WorkerThread(this))
{
    m_action->setStatusTip(tr("Write the shown run as a .qsm packed model for quantscope-agent"));
    connect(m_action, &QAction::triggered, this, &ExportController::ask);
    updateAction();
}

void ExportController::setRun(const store::Workspace *workspace, qint64 runId)
{
    m_hasRun = false;
    if (workspace && runId > 0) {
        try {
            m_run = workspace->run(runId);
            m_hasRun = m_run.status == "finished";
        } catch (const std::exception &) {
            m_hasRun = false; // a run that vanished from the workspace: nothing to export
        }
    }
    updateAction();
}

void ExportController::updateAction()
{
    m_action->setEnabled(m_hasRun && !m_worker->busy());
    if (!m_hasRun)
        m_action->setToolTip(tr("Show a finished run to export it"));
    else
        m_action->setToolTip(tr("Export run #%1 (%2 W%3A%4)")
                                 .arg(m_run.id)
                                 .arg(QString::fromStdString(m_run.method))
                                 .arg(m_run.wbits)
                                 .arg(m_run.abits));
}

void ExportController::ask()
{
    if (!m_hasRun || m_worker->busy())
        return;
    const QString suggested =
        QDir::home().filePath(QStringLiteral("run-%1-%2-w%3a%4.qsm")
                                  .arg(m_run.id)
                                  .arg(QString::fromStdString(m_run.method))
                                  .arg(m_run.wbits)
                                  .arg(m_run.abits));
    const QString path = QFileDialog::getSaveFileName(
        m_window, tr("Export packed model"), suggested, tr("Packed models (*.qsm)"));
    if (path.isEmpty())
        return;
    connect(this, &ExportController::finished, m_window, [this](bool ok, const QString &message) {
        if (!ok)
            QMessageBox::warning(m_window, tr("Export packed model"), message);
    }, Qt::SingleShotConnection);
    exportTo(path.endsWith(QStringLiteral(".qsm")) ? path : path + QStringLiteral(".qsm"));
}

void ExportController::exportTo(const QString &path)
{
    if (!m_hasRun || m_worker->busy()) {
        Q_EMIT finished(false, m_worker->busy() ? tr("An export is already running")
                                                : tr("No finished run is shown"));
        return;
    }
    auto outcome = std::make_shared<Outcome>();
    const store::RunRecord run = m_run;
    // The window closing during an export waits for it rather than tearing it.
    m_worker->start([outcome, run, path] { *outcome = exportRun(run, path); },
                    [this, outcome] {
                        updateAction();
                        Q_EMIT finished(outcome->ok, outcome->message);
                    });
    updateAction();
}

} // namespace quantscope::gui
