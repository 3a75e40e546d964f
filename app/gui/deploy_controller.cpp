// SPDX-License-Identifier: MIT
#include "deploy_controller.h"

#include "deploy/saved_devices.h"
#include "deploy_view.h"
#include "error.h"
#include "jobs/deploy_job.h"
#include "json_field.h"
#include "store/workspace.h"
#include "worker_thread.h"

#include <QPushButton>

namespace quantscope::gui {

namespace {

struct Outcome
{
    bool ok = false;
    QString message;
    jobs::DeployReport report;
};

widgets::DeployFigures figuresOf(const jobs::DeployReport &r)
{
    widgets::DeployFigures f;
    f.device = QString::fromStdString(r.device);
    f.cpu = QString::fromStdString(r.facts.cpu);
    f.features = QString::fromStdString(r.facts.features);
    f.emulated = r.facts.emulated;
    f.modelled = r.facts.modelled;
    f.cores = QString::fromStdString(r.facts.coreSummary());
    if (!r.pinnedCores.empty())
        f.pinned = QString::fromStdString(r.pinnedCores) +
                   (r.pinnedCoreTypes.empty()
                        ? QString()
                        : QStringLiteral(" (%1)").arg(QString::fromStdString(r.pinnedCoreTypes)));
    f.threads = r.threads;
    f.repeats = r.repeats;
    QStringList errors;
    for (const auto &b : r.backends) {
        // A prediction's whiskers: the model's error on this machine's core, where checked.
        // Unchecked, a prediction has none.
        const double band = b.modelError >= 0 ? b.modelError : 0;
        f.backends.push_back({QString::fromStdString(b.backend), QString::fromStdString(b.kernel),
                              r.facts.modelled ? b.median * (1 - band) : b.p10, b.median,
                              r.facts.modelled ? b.median * (1 + band) : b.p90,
                              b.opMedianSeconds, b.modelError});
        if (r.facts.modelled)
            errors << (b.modelError < 0 ? QObject::tr("%1 not checked")
                                              .arg(QString::fromStdString(b.backend))
                                        : QObject::tr("%1 ±%2 %")
                                              .arg(QString::fromStdString(b.backend))
                                              .arg(100 * b.modelError, 0, 'f', 0));
    }
    f.modelCheck = errors.join(QStringLiteral(", "));
    const auto check = jsonField(r.modelled, "check", nlohmann::json::object());
    for (const auto &c : jsonField(check, "backends", nlohmann::json::array()))
        if (jsonField(c, "backend", std::string()) == "lowbit")
            f.layerError = jsonField(c, "median_layer_error", -1.0);
    if (r.modelledBeside.is_object()) {
        QStringList side;
        for (const auto &c : jsonField(r.modelledBeside, "backends", nlohmann::json::array()))
            side << QObject::tr("%1 %2 ms modelled, %3 ms measured (%4 %)")
                        .arg(QString::fromStdString(jsonField(c, "backend", std::string())))
                        .arg(1e3 * jsonField(c, "modelled_s", 0.0), 0, 'f', 3)
                        .arg(1e3 * jsonField(c, "measured_s", 0.0), 0, 'f', 3)
                        .arg(100 * jsonField(c, "error", 0.0), 0, 'f', 0);
        f.modelledBeside =
            QObject::tr("model:%1 at %2 GHz, one core: %3")
                .arg(QString::fromStdString(jsonField(r.modelledBeside, "core", std::string())))
                .arg(jsonField(r.modelledBeside, "clock_ghz", 0.0), 0, 'f', 2)
                .arg(side.join(QStringLiteral("; ")));
    }
    for (size_t i = 0; i < r.opKinds.size(); ++i) {
        const int layer = i < r.opLayer.size() ? r.opLayer[i] : -1;
        const bool compared = layer >= 0 && size_t(layer) < r.layers.size();
        f.opNames << (compared ? QString::fromStdString(r.layers[size_t(layer)].name)
                               : QStringLiteral("%1 %2").arg(i).arg(
                                     QString::fromStdString(r.opKinds[i])));
        const double scale = compared ? r.layers[size_t(layer)].maxAbs : 0;
        f.opInputDiff.push_back(
            compared ? r.layers[size_t(layer)].maxAbsDiff / (scale > 0 ? scale : 1.0) : -1.0);
    }
    f.opBits = r.opBits;
    f.layerImages = r.layerImages;
    f.comparedImages = r.comparedImages;
    f.agreement = r.agreement;
    f.maxDiff = r.maxLogitDiff;
    f.maxOutput = r.maxLogit;
    for (const auto &w : r.warnings)
        f.warnings << QString::fromStdString(w);
    f.storedAt = QString::fromStdString(r.storedAt);
    return f;
}

} // namespace

DeployController::DeployController(widgets::DeployView *view, QObject *parent)
    : QObject(parent), m_view(view), m_worker(new WorkerThread(this))
{
    connect(view, &widgets::DeployView::deployRequested, this, &DeployController::start);
    connect(view, &widgets::DeployView::cancelRequested, this, &DeployController::cancel);
}

DeployController::~DeployController()
{
    // Stopped, so the worker's wait (it is destroyed after this) is short and the agent on the
    // device does not run on.
    if (m_worker->busy())
        m_context->cancel();
}

void DeployController::setRun(const store::Workspace *workspace, qint64 runId)
{
    m_runId = 0;
    QString why = tr("Show a finished run to deploy it.");
    const QString dir = workspace ? QString::fromStdString(workspace->dir()) : QString();
    m_workspaceDir = dir;
    if (workspace && runId > 0) {
        try {
            if (workspace->run(runId).status == "finished") {
                m_runId = runId;
                why.clear();
            }
        } catch (const std::exception &) {
        }
    }
    m_view->setDeployable(why);
}

void DeployController::start()
{
    if (m_worker->busy() || m_runId == 0)
        return;
    jobs::DeployRequest request;
    request.runId = m_runId;
    request.workspaceDir = m_workspaceDir.toStdString();
    request.device = m_view->device().toStdString();
    request.threads = m_view->threads();
    request.repeats = m_view->repeats();
    m_context = std::make_shared<jobs::JobContext>();
    // Progress crosses to the GUI thread as queued calls; the view never waits on the job.
    m_context->onProgress = [this](double fraction, const std::string &stage) {
        QMetaObject::invokeMethod(this, [this, fraction, text = QString::fromStdString(stage)] {
            m_view->setProgress(fraction, text);
        }, Qt::QueuedConnection);
    };
    auto outcome = std::make_shared<Outcome>();
    auto context = m_context;
    m_view->setRunning(true);
    m_worker->start(
        [request, context, outcome] {
            try {
                jobs::DeployJob job(request);
                job.run(*context);
                outcome->report = job.report();
                outcome->ok = true;
            } catch (const Cancelled &) {
                outcome->message =
                    QObject::tr("Deploy cancelled; the agent on the device was stopped.");
            } catch (const std::exception &e) {
                outcome->message = QString::fromUtf8(e.what());
            }
        },
        [this, outcome] {
            m_view->setRunning(false);
            if (outcome->ok) {
                deploy::SavedDevices::remember(m_workspaceDir.toStdString(),
                                               outcome->report.device);
                m_view->showFigures(figuresOf(outcome->report));
                Q_EMIT finished(true, tr("Run #%1 timed on %2.")
                                          .arg(m_runId)
                                          .arg(QString::fromStdString(outcome->report.device)));
            } else {
                m_view->showError(outcome->message);
                Q_EMIT finished(false, outcome->message);
            }
        });
}

void DeployController::cancel()
{
    if (m_context)
        m_context->cancel();
}

} // namespace quantscope::gui
