// SPDX-License-Identifier: MIT
// ExportController: File ▸ Export Packed Model… for the run the window shows. It asks where,
// writes the .qsm (runtime/format/README.md) on a worker thread — loading and walking a large
// run's TorchScript takes a while — and reports what was written, or the one-line reason it
// could not be (an op the format cannot express, a run stored before grids were kept, a folder
// that cannot be written). A failed export leaves no partial file behind.
#pragma once

#include "store/run_record.h"

#include <QObject>
#include <QString>

class QAction;
class QWidget;

namespace quantscope::store {
class Workspace;
}

namespace quantscope::gui {

class WorkerThread;

class ExportController : public QObject
{
    Q_OBJECT
public:
    explicit ExportController(QWidget *window);

    QAction *action() const { return m_action; }
    // The run the window shows; the action is enabled only for a finished one.
    void setRun(const store::Workspace *workspace, qint64 runId);
    // Writes the shown run to `path` in the background; finished() follows.
    void exportTo(const QString &path);

Q_SIGNALS:
    void finished(bool ok, const QString &message);

private:
    void ask();
    void updateAction();

    QWidget *m_window;
    QAction *m_action;
    bool m_hasRun = false;
    store::RunRecord m_run;
    WorkerThread *m_worker;
};

} // namespace quantscope::gui
