// SPDX-License-Identifier: MIT
#include "main_window.h"

#include "bit_allocation_view.h"
#include "compare_view.h"
#include "demo_files.h"
#include "deploy_controller.h"
#include "deploy_view.h"
#include "devices_controller.h"
#include "devices_dock.h"
#include "error.h"
#include "export_controller.h"
#include "histogram_view.h"
#include "model_view.h"
#include "plot_exporter.h"
#include "quantize_dock.h"
#include "quantize_panel.h"
#include "recent_models.h"
#include "run_table_model.h"
#include "run_view.h"
#include "start_page.h"
#include "status_controller.h"
#include "table_exporter.h"
#include "window_settings.h"
#include "workspace_controller.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>


namespace quantscope::gui {

namespace {

// The wait cursor for the life of a scope. Declared inside a try block it is gone before the
// handler runs, so an error dialog never opens under a busy cursor.
class WaitCursor
{
public:
    WaitCursor() { QApplication::setOverrideCursor(Qt::WaitCursor); }
    ~WaitCursor() { QApplication::restoreOverrideCursor(); }
    WaitCursor(const WaitCursor &) = delete;
    WaitCursor &operator=(const WaitCursor &) = delete;
};

} // namespace

MainWindow::MainWindow(const QString &workspaceDir, QWidget *parent)
    : QMainWindow(parent), m_queue(new JobQueue(this)), m_tabs(new QTabWidget(this)),
      m_startPage(new widgets::StartPage(this)), m_modelView(new widgets::ModelView(this)),
      m_runView(new widgets::RunView(this)),
      m_bitsView(new widgets::BitAllocationView(this)),
      m_compareView(new widgets::CompareView(this)), m_deployView(new widgets::DeployView(this)),
      m_panel(new widgets::QuantizePanel(this)),
      m_workspaces(new WorkspaceController(new QComboBox(this), m_compareView, this))
{
    setWindowTitle(tr("QuantScope"));
    setAcceptDrops(true);

    connect(m_modelView, &widgets::ModelView::layerSelected, this, &MainWindow::layerSelected);
    m_tabs->addTab(m_startPage, tr("Start"));
    m_tabs->addTab(m_modelView, tr("Model"));
    m_tabs->addTab(m_runView, tr("Run"));
    m_tabs->addTab(m_bitsView, tr("Bit allocation"));
    m_tabs->addTab(m_compareView, tr("Compare runs"));
    m_tabs->addTab(m_deployView, tr("Deploy"));
    m_tabs->setDocumentMode(true);
    setCentralWidget(m_tabs);

    auto *quantize = new QuantizeDock(m_panel, this);
    m_devices = new DevicesDock(m_deployView, this);
    addDockWidget(Qt::LeftDockWidgetArea, quantize);
    addDockWidget(Qt::LeftDockWidgetArea, m_devices);
    tabifyDockWidget(quantize, m_devices);
    quantize->raise();
    connect(m_devices, &DevicesDock::deviceChosen, this, [this] { setView(View::Deploy); });

    auto *toolbar = addToolBar(tr("Run"));
    toolbar->setObjectName(QStringLiteral("runToolbar"));
    toolbar->addWidget(new QLabel(tr(" Shown run: "), this));
    QComboBox *runPicker = m_workspaces->runPicker();
    runPicker->setMinimumContentsLength(28);
    runPicker->setToolTip(tr("The run the Run, Bit allocation and Model views show"));
    toolbar->addWidget(runPicker);
    connect(m_workspaces, &WorkspaceController::runPicked, this,
            [this](qint64 id) { showRun(id); });

    connect(m_panel, &widgets::QuantizePanel::runRequested, this, &MainWindow::startRun);
    connect(m_panel, &widgets::QuantizePanel::openModelRequested, this, &MainWindow::askOpenModel);
    connect(m_panel, &widgets::QuantizePanel::recomputeNormalisationRequested, this, [this] {
        try {
            const WaitCursor busy;
            m_document.recomputeNormalisation();
        } catch (const Error &e) {
            showError(tr("Could not compute the normalisation"), QString::fromStdString(e.what()));
        }
        showDataset();
    });
    connect(m_panel, &widgets::QuantizePanel::openDatasetRequested, this,
            &MainWindow::askOpenDataset);
    connect(m_panel, &widgets::QuantizePanel::imageSizeChanged, this, &MainWindow::setImageSize);
    connect(m_startPage, &widgets::StartPage::demoRequested, this, &MainWindow::openDemo);
    connect(m_startPage, &widgets::StartPage::openModelRequested, this, &MainWindow::askOpenModel);
    connect(m_startPage, &widgets::StartPage::openDatasetRequested, this,
            &MainWindow::askOpenDataset);
    connect(m_startPage, &widgets::StartPage::openWorkspaceRequested, this,
            &MainWindow::askOpenWorkspace);
    connect(m_startPage, &widgets::StartPage::recentModelActivated, this, &MainWindow::openModel);
    connect(m_workspaces, &WorkspaceController::comparisonFailed, this,
            [this](const QString &message) { showError(tr("Compare runs"), message); });
    connect(m_compareView, &widgets::CompareView::runActivated, this, [this](qint64 id) {
        showRun(id);
        setView(View::Run);
    });

    try {
        const QString path = QString::fromStdString(app::DemoFiles::modelPath());
        app::DemoFiles::fashionMnistPath();
        m_startPage->setDemoAvailable(true, path);
    } catch (const Error &e) {
        m_startPage->setDemoAvailable(false, QString::fromStdString(e.what()));
    }

    buildMenus();
    m_status = new StatusController(statusBar(), m_queue, [this] {
        return m_document.hasModel() ? m_document.modelSummary() : tr("Open a model to begin.");
    }, this);
    m_deploy = new DeployController(m_deployView, this);
    const auto notice = [this](bool, const QString &message) { m_status->setNotice(message); };
    connect(m_export, &ExportController::finished, m_status, notice);
    connect(m_deploy, &DeployController::finished, m_status, notice);
    connect(m_deploy, &DeployController::finished, m_devices->controller(),
            &DevicesController::refresh);
    connectQueue();
    WindowSettings::restore(*this, *m_panel);
    m_recent->refresh();
    QSettings settings;
    // An explicit folder, then $QUANTSCOPE_WORKSPACE (a script's or a shell's choice must beat
    // the one remembered from an earlier session), then the remembered one, then the default.
    QString dir = workspaceDir;
    if (dir.isEmpty())
        dir = qEnvironmentVariable("QUANTSCOPE_WORKSPACE");
    if (dir.isEmpty())
        dir = settings.value(QStringLiteral("workspace")).toString();
    if (dir.isEmpty())
        dir = QString::fromStdString(app::DemoFiles::defaultWorkspace());
    if (!openWorkspace(dir) && dir != QString::fromStdString(app::DemoFiles::defaultWorkspace()))
        openWorkspace(QString::fromStdString(app::DemoFiles::defaultWorkspace()));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    auto *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Model…"), QKeySequence::Open, this, &MainWindow::askOpenModel);
    file->addAction(tr("Open &Dataset…"), this, &MainWindow::askOpenDataset);
    file->addAction(tr("Open the D&emo"), this, &MainWindow::openDemo);
    m_recent = new RecentModels(file->addMenu(tr("&Recent Models")), m_startPage,
                                [this](const QString &path) { openModel(path); }, this);
    file->addSeparator();
    file->addAction(tr("Open &Workspace…"), this, &MainWindow::askOpenWorkspace);
    file->addAction(tr("&Save Workspace As…"), QKeySequence::SaveAs, this,
                    &MainWindow::askSaveWorkspace);
    file->addSeparator();
    file->addAction(tr("Export &Plot…"), this, &MainWindow::exportCurrentPlot);
    file->addAction(tr("Export &Table as CSV…"), this, &MainWindow::exportCurrentTable);
    m_export = new ExportController(this);
    file->addAction(m_export->action());
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    auto *run = menuBar()->addMenu(tr("&Run"));
    run->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), m_panel->runButton(),
                   &QPushButton::click);
    run->addAction(tr("&Cancel Current Run"), this, [this] { m_queue->cancelCurrent(); });
    run->addAction(tr("Cancel &All Runs"), this, [this] { m_queue->cancelAll(); });

    auto *view = menuBar()->addMenu(tr("&View"));
    const QStringList names = {tr("&Start"), tr("&Model"), tr("R&un"), tr("&Bit allocation"),
                               tr("&Compare runs"), tr("&Deploy")};
    for (int i = 0; i < names.size(); ++i)
        view->addAction(names[i], QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)), this,
                        [this, i] { m_tabs->setCurrentIndex(i); });
    view->addAction(m_devices->toggleViewAction());

    auto *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About QuantScope"), this, [this] {
        QMessageBox::about(this, tr("About QuantScope"),
                           tr("<b>QuantScope %1</b><p>A workbench for low-bit quantization of "
                              "CNNs. Everything here is also available headless through "
                              "<tt>quantscope-cli</tt>.</p>")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::connectQueue()
{
    connect(m_queue, &JobQueue::jobStarted, this, [this](const QString &title) {
        m_liveRun = 0;
        m_status->setWarning(m_document.inputWarning()); // the last run's was about that run
        std::vector<QString> layers;
        for (const auto &name : m_document.layerNames())
            layers.push_back(name);
        m_runView->beginRun(tr("Running: %1").arg(title), layers);
        m_bitsView->beginLive(layers, tr("Running: %1").arg(title));
        setView(View::Run);
    });
    connect(m_queue, &JobQueue::runRecorded, this, [this](qint64 id) {
        m_liveRun = id;
        m_shownRun = id;
        m_workspaces->refreshRuns(m_shownRun);
    });
    connect(m_queue, &JobQueue::snapshot, m_runView, &widgets::RunView::addSnapshot);
    connect(m_queue, &JobQueue::metric, m_runView, &widgets::RunView::addMetric);
    connect(m_queue, &JobQueue::metric, m_bitsView, &widgets::BitAllocationView::addMetric);
    connect(m_queue, &JobQueue::jobFinished, this,
            [this](qint64 runId, const QString &status, const QString &message) {
                // The run view already holds what streamed in; refresh the rest from the store.
                m_liveRun = 0;
                m_workspaces->refreshRuns(m_shownRun);
                if (runId)
                    showRun(runId, /*reloadRunView=*/false);
                if (status == QLatin1String("failed"))
                    showError(tr("Run failed"), message);
                m_status->setNotice(runId ? tr("Run #%1 %2.").arg(runId).arg(status)
                                          : tr("Run %1.").arg(status));
            });
}

widgets::HistogramView *MainWindow::modelHistogram() const
{
    return m_modelView->histogram();
}

QTableView *MainWindow::layerTable() const
{
    return m_modelView->table();
}

QPushButton *MainWindow::cancelButton() const
{
    return m_status->cancelButton();
}

QString MainWindow::statusText() const
{
    return m_status->text();
}

void MainWindow::showError(const QString &title, const QString &message)
{
    m_lastError = message;
    // Not exec(): a modal loop here would stall the live views of a running job.
    auto *box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

bool MainWindow::openModel(const QString &path)
{
    try {
        const WaitCursor busy;
        m_document.openModel(path);
    } catch (const Error &e) {
        showError(tr("Could not open the model"), QString::fromStdString(e.what()));
        // The model may have opened while the dataset no longer fits it.
        if (!m_document.hasModel() || m_document.modelPath() != QFileInfo(path).absoluteFilePath())
            return false;
    }
    m_modelView->setLayers(m_document.layerRows());
    m_panel->setModel(m_document.modelPath(), m_document.modelSummary(), m_document.layerNames());
    showDataset();
    m_recent->remember(m_document.modelPath());
    setWindowTitle(tr("%1 — QuantScope").arg(QFileInfo(path).fileName()));
    showRun(m_shownRun);
    setView(View::Model);
    m_status->refresh();
    return true;
}

bool MainWindow::openDataset(const QString &path)
{
    try {
        const WaitCursor busy;
        m_document.openDataset(path);
    } catch (const Error &e) {
        showError(tr("Could not open the dataset"), QString::fromStdString(e.what()));
        return false;
    }
    showDataset();
    QSettings().setValue(QStringLiteral("lastDataset"), m_document.dataPath());
    return true;
}

void MainWindow::showDataset()
{
    if (m_document.hasModel()) // opening a dataset probes the model: its summary names the size
        m_panel->setModel(m_document.modelPath(), m_document.modelSummary(),
                          m_document.layerNames());
    m_panel->setDataset(m_document.dataPath(), m_document.dataSummary());
    const QString source = m_document.normalisationSource();
    m_panel->setDefaultNormalisation(m_document.defaultMean(), m_document.defaultStd(),
                                     source.isEmpty() ? QString() : tr("Greyed: %1.").arg(source));
    m_status->setWarning(m_document.inputWarning());
}

bool MainWindow::setImageSize(int pixels)
{
    try {
        const WaitCursor busy;
        m_document.setImageSize(pixels);
    } catch (const Error &e) {
        m_panel->setImageSize(int(m_document.imageSize()));
        showError(tr("The model cannot take this input size"), QString::fromStdString(e.what()));
        return false;
    }
    m_panel->setImageSize(pixels);
    showDataset(); // with the model's summary: it names the input shape
    return true;
}

bool MainWindow::openDemo()
{
    try {
        const auto model = QString::fromStdString(app::DemoFiles::modelPath());
        const auto data = QString::fromStdString(app::DemoFiles::fashionMnistPath());
        return openModel(model) && openDataset(data);
    } catch (const Error &e) {
        showError(tr("Could not open the demo"), QString::fromStdString(e.what()));
        return false;
    }
}

bool MainWindow::openWorkspace(const QString &dir)
{
    try {
        m_workspaces->open(dir);
    } catch (const Error &e) {
        showError(tr("Could not open the workspace"), QString::fromStdString(e.what()));
        return false;
    }
    m_shownRun = 0;
    m_workspaces->refreshRuns(m_shownRun);
    const auto runs = m_workspaces->workspace()->runs();
    showRun(runs.empty() ? 0 : runs.back().id);
    m_status->setNotice(tr("Workspace %1: %n run(s).", nullptr, int(runs.size())).arg(dir));
    return true;
}

bool MainWindow::saveWorkspaceAs(const QString &dir)
{
    if (m_queue->isBusy()) {
        showError(tr("Save workspace"),
                  tr("A run is writing to this workspace; save a copy once it has finished."));
        return false;
    }
    const QString source = workspaceDir();
    try {
        m_workspaces->copyTo(dir);
    } catch (const Error &e) {
        showError(tr("Save workspace"), QString::fromStdString(e.what()));
        if (!m_workspaces->workspace())
            openWorkspace(source);
        return false;
    }
    return openWorkspace(dir);
}

QString MainWindow::workspaceDir() const
{
    return m_workspaces->dir();
}

void MainWindow::startRun()
{
    if (const QString problem = m_panel->problem(); !problem.isEmpty()) {
        showError(tr("Cannot start the run"), problem);
        return;
    }
    jobs::QuantizeRequest request;
    request.modelPath = m_document.modelPath().toStdString();
    request.dataPath = m_document.dataPath().toStdString();
    request.method = m_panel->method().toStdString();
    request.wbits = m_panel->weightBits();
    request.abits = m_panel->activationBits();
    request.settings = m_panel->settings();
    request.layerBits = m_panel->layerBits();
    request.inputs.mean = m_panel->mean();
    request.inputs.std = m_panel->std();
    request.inputs.imageSize = m_panel->imageSize();
    request.workspaceDir = workspaceDir().toStdString();
    request.device = m_panel->device().toStdString();
    m_queue->enqueue(std::move(request));
    WindowSettings::save(*this, *m_panel);
}

void MainWindow::showRun(qint64 runId, bool reloadRunView)
{
    m_shownRun = runId;
    m_workspaces->showInPicker(runId);
    const store::Workspace *workspace = m_workspaces->workspace();
    m_export->setRun(workspace, runId);
    m_deploy->setRun(workspace, runId);
    m_devices->controller()->setWorkspace(workspace ? QString::fromStdString(workspace->dir()) : QString());
    if (runId == 0 || !workspace) {
        m_bitsView->clear(tr("No run yet: start one from the Quantize panel."));
        m_modelView->setResults({});
        return;
    }
    if (runId == m_liveRun)
        return; // the run view is being fed live
    try {
        const auto run = workspace->run(runId);
        const auto layers = workspace->layers(runId);
        std::vector<QString> names;
        for (const auto &l : layers)
            names.push_back(QString::fromStdString(l.name));
        const auto snapshots = reloadRunView ? workspace->snapshots(runId)
                                             : std::vector<jobs::LayerSnapshot>{};
        if (names.empty()) // a run that stopped early has snapshots but no layer rows
            for (const auto &s : snapshots)
                if (size_t(s.layer) >= names.size())
                    names.resize(size_t(s.layer) + 1, QString::fromStdString(s.layerName));
        const QString error = run.error.empty()
                                  ? QString()
                                  : QStringLiteral(" — ") + QString::fromStdString(run.error);
        const auto metrics = workspace->metrics(runId);
        if (reloadRunView)
            m_runView->showStoredRun(WorkspaceController::runLabel(run) + error, names,
                                     snapshots, metrics);
        else
            m_runView->setTitle(WorkspaceController::runLabel(run) + error);
        if (run.status == "finished") {
            m_bitsView->setRun(run, layers);
            m_bitsView->setBitHistory(metrics);
        } else
            m_bitsView->clear(tr("Run #%1 %2: no bit allocation").arg(runId)
                                  .arg(QString::fromStdString(run.status)));
        if (m_document.hasModel() &&
            QFileInfo(QString::fromStdString(run.model)) == QFileInfo(m_document.modelPath()))
            m_modelView->setResults(layers);
        else
            m_modelView->setResults({});
    } catch (const Error &e) {
        showError(tr("Could not show the run"), QString::fromStdString(e.what()));
    }
}

void MainWindow::layerSelected(int layer)
{
    if (!m_document.hasModel())
        return;
    const auto &row = m_modelView->layer(layer);
    m_modelView->showWeights(m_document.floatWeights(layer),
                             tr("%1 · float weights (BatchNorm folded) · %2 weights")
                                 .arg(row.name)
                                 .arg(row.params));
    m_runView->setSelectedLayer(layer);
}

bool MainWindow::selectLayer(const QString &name)
{
    const int inRun = m_runView->layerNamed(name);
    const int inModel = m_document.layerNames().indexOf(name);
    if (inRun < 0 && inModel < 0) {
        showError(tr("No such layer"), tr("Neither the open model nor the shown run has a layer "
                                          "named \"%1\".").arg(name));
        return false;
    }
    if (inModel >= 0) // selects it in the run view too, through layerSelected()
        m_modelView->selectLayer(inModel);
    if (inRun >= 0)
        m_runView->setSelectedLayer(inRun);
    return true;
}

void MainWindow::setView(View view)
{
    m_tabs->setCurrentIndex(int(view));
}

void MainWindow::exportCurrentPlot()
{
    QCustomPlot *plot = nullptr;
    QString name;
    switch (View(m_tabs->currentIndex())) {
    case View::Model: plot = m_modelView->histogram()->plot(); name = tr("weights"); break;
    case View::Run: plot = m_runView->histogram()->plot(); name = tr("histogram"); break;
    case View::Bits: plot = m_bitsView->plot(); name = tr("bit-allocation"); break;
    case View::Compare: plot = m_compareView->plot(); name = tr("accuracy-vs-size"); break;
    case View::Deploy: plot = m_deployView->latencyPlot(); name = tr("deploy-latency"); break;
    case View::Start: break;
    }
    if (!plot) {
        showError(tr("Export plot"), tr("This view has no plot. (Every plot also exports from "
                                        "its right-click menu.)"));
        return;
    }
    widgets::PlotExporter::saveInteractively(plot, this, name);
}

void MainWindow::exportCurrentTable()
{
    if (View(m_tabs->currentIndex()) == View::Compare)
        widgets::TableExporter::saveInteractively(*m_compareView->runTable()->model(), this,
                                                  tr("runs"));
    else
        widgets::TableExporter::saveInteractively(m_modelView->shownRows(), this, tr("layers"));
}

void MainWindow::askOpenModel()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open a TorchScript model"), QFileInfo(m_document.modelPath()).path(),
        tr("TorchScript models (*.pt *.pth *.ptl);;All files (*)"));
    if (!path.isEmpty())
        openModel(path);
}

void MainWindow::askOpenDataset()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open a dataset folder (IDX, CIFAR binary or ImageFolder)"), m_document.dataPath());
    if (!dir.isEmpty())
        openDataset(dir);
}

void MainWindow::askOpenWorkspace()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a workspace folder"),
                                                          workspaceDir());
    if (!dir.isEmpty())
        openWorkspace(dir);
}

void MainWindow::askSaveWorkspace()
{
    const QString dir = QFileDialog::getSaveFileName(this, tr("Save the workspace as a new folder"),
                                                     workspaceDir() + QStringLiteral("-copy"));
    if (!dir.isEmpty())
        saveWorkspaceAs(dir);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_queue->isBusy()) {
        const auto answer = QMessageBox::question(
            this, tr("Quit QuantScope"),
            tr("A run is in progress. Cancel it (it is kept, marked cancelled) and quit?"));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        m_queue->cancelAll();
    }
    WindowSettings::save(*this, *m_panel);
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls[0].isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QString path = event->mimeData()->urls().value(0).toLocalFile();
    if (QFileInfo(path).isDir())
        openDataset(path);
    else
        openModel(path);
}

} // namespace quantscope::gui
