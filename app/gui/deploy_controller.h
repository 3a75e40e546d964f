// SPDX-License-Identifier: MIT
// DeployController: the Deploy tab's work — a DeployJob for the shown run on a worker thread,
// its progress and Cancel (which stops the agent on the device too), and what it measured handed
// to the DeployView as plain figures. The window stays responsive throughout.
#pragma once

#include <QObject>
#include <QString>

#include <memory>

namespace quantscope::jobs {
class JobContext;
}
namespace quantscope::store {
class Workspace;
}
namespace quantscope::widgets {
class DeployView;
}

namespace quantscope::gui {

class WorkerThread;

class DeployController : public QObject
{
    Q_OBJECT
public:
    explicit DeployController(widgets::DeployView *view, QObject *parent = nullptr);
    ~DeployController() override; // cancels a deploy in flight (its worker waits for it)

    // The run the window shows; only a finished one can be deployed.
    void setRun(const store::Workspace *workspace, qint64 runId);
    void start();
    void cancel();

Q_SIGNALS:
    void finished(bool ok, const QString &message);

private:
    widgets::DeployView *m_view;
    QString m_workspaceDir;
    qint64 m_runId = 0;
    WorkerThread *m_worker;
    std::shared_ptr<jobs::JobContext> m_context;
};

} // namespace quantscope::gui
