// SPDX-License-Identifier: MIT
// MainWindow: composes the views (start, model, run, bits, compare) over one ModelDocument, one
// workspace and one JobQueue, and keeps settings and window layout across sessions.
#pragma once

#include "job_queue.h"
#include "model_document.h"

#include <QMainWindow>

class QAction;
class QPushButton;
class QTableView;
class QTabWidget;

namespace quantscope::widgets {
class BitAllocationView;
class CompareView;
class DeployView;
class HistogramView;
class ModelView;
class QuantizePanel;
class RunView;
class StartPage;
} // namespace quantscope::widgets

namespace quantscope::gui {

class RecentModels;
class DeployController;
class DevicesDock;
class ExportController;
class StatusController;
class WorkspaceController;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum class View { Start, Model, Run, Bits, Compare, Deploy };
    // workspaceDir empty: $QUANTSCOPE_WORKSPACE, else the one used last, else the default under
    // the user's data folder.
    explicit MainWindow(const QString &workspaceDir = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Each returns false after showing the error to the user.
    bool openModel(const QString &path);
    // See ModelDocument::setModelProbe: the program loads each model in a child process first.
    void setModelProbe(const QString &program) { m_document.setModelProbe(program); }
    bool openDataset(const QString &path);
    bool openDemo();
    // Input image side in pixels (0: the model's own); checked against the open dataset.
    bool setImageSize(int pixels);
    bool openWorkspace(const QString &dir);
    bool saveWorkspaceAs(const QString &dir);

    void setView(View view);
    // Shows a stored run in the run, bits and model views (0: none). reloadRunView false keeps
    // the run view's snapshots and curves (they streamed in live).
    void showRun(qint64 runId, bool reloadRunView = true);
    // Selects a layer by name in the model table and the run view; false (with the error shown)
    // when neither the open model nor the shown run has it.
    bool selectLayer(const QString &name);
    qint64 shownRun() const { return m_shownRun; }
    void startRun();

    QString workspaceDir() const;
    JobQueue *jobQueue() const { return m_queue; }
    ExportController *exportController() const { return m_export; }
    widgets::QuantizePanel *quantizePanel() const { return m_panel; }
    widgets::RunView *runView() const { return m_runView; }
    widgets::HistogramView *modelHistogram() const;
    widgets::BitAllocationView *bitsView() const { return m_bitsView; }
    widgets::CompareView *compareView() const { return m_compareView; }
    widgets::DeployView *deployView() const { return m_deployView; }
    DeployController *deployController() const { return m_deploy; }
    DevicesDock *devicesDock() const { return m_devices; }
    widgets::StartPage *startPage() const { return m_startPage; }
    QTableView *layerTable() const;
    QPushButton *cancelButton() const;
    // The last error shown to the user ("" when none) — for tests and the --screenshot mode.
    QString lastError() const { return m_lastError; }
    // The status bar's line (warnings first) — for tests.
    QString statusText() const;

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildMenus();
    void connectQueue();
    void showError(const QString &title, const QString &message);
    void layerSelected(int layer);
    // Hands the document's dataset line, default normalisation and warnings to the views.
    void showDataset();
    void exportCurrentPlot();
    void exportCurrentTable();
    void askOpenModel();
    void askOpenDataset();
    void askOpenWorkspace();
    void askSaveWorkspace();

    ModelDocument m_document;
    JobQueue *m_queue;
    qint64 m_liveRun = 0;
    qint64 m_shownRun = 0;
    QString m_lastError;

    QTabWidget *m_tabs;
    widgets::StartPage *m_startPage;
    widgets::ModelView *m_modelView;
    widgets::RunView *m_runView;
    widgets::BitAllocationView *m_bitsView;
    widgets::CompareView *m_compareView;
    widgets::DeployView *m_deployView;
    widgets::QuantizePanel *m_panel;
    WorkspaceController *m_workspaces;
    RecentModels *m_recent = nullptr;
    StatusController *m_status = nullptr;
    ExportController *m_export = nullptr;
    DeployController *m_deploy = nullptr;
    DevicesDock *m_devices = nullptr;
};

} // namespace quantscope::gui
