// SPDX-License-Identifier: MIT
// DeployView: the Deploy tab — pick a device and settings, start or cancel a deploy of the shown
// run, follow its progress, and read what it measured: median latency per backend with p10–p90
// whiskers, the low-bit speedup over int8 and fp32 (never for an emulated device), per-layer
// latency coloured by weight bits, the agreement with the simulation, and the device's facts.
#pragma once

#include "deploy_figures.h"

#include <QWidget>

class QComboBox;
class QCPBars;
class QCPErrorBars;
class QCPTextElement;
class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace quantscope::widgets {

class DeployView : public QWidget
{
    Q_OBJECT
public:
    explicit DeployView(QWidget *parent = nullptr);

    QString device() const;
    void setDevice(const QString &name);
    // Devices this workspace deployed to before, offered after local, emulated-arm64 and the
    // modelled cores.
    void setSavedDevices(const QStringList &names);
    // The modelled cores ("model:cortex-a55"…), offered after emulated-arm64.
    void setModelledDevices(const QStringList &names);
    int threads() const;
    int repeats() const;
    // What may be deployed now: "" enables Deploy, else the reason shown instead.
    void setDeployable(const QString &why);
    void setRunning(bool running);
    void setProgress(double fraction, const QString &stage);
    void showFigures(const DeployFigures &figures);
    void showError(const QString &message);

    QPushButton *deployButton() const { return m_deploy; }
    QPushButton *cancelButton() const { return m_cancel; }
    QCustomPlot *latencyPlot() const { return m_latency; }
    QString summaryText() const;
    int backendBarCount() const;

Q_SIGNALS:
    void deployRequested();
    void cancelRequested();

private:
    void listDevices(); // local, emulated-arm64, the modelled cores, the saved devices
    QComboBox *m_device;
    QSpinBox *m_threads, *m_repeats;
    QPushButton *m_deploy, *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status, *m_summary;
    QCustomPlot *m_latency, *m_layers;
    QCPBars *m_latencyBars;
    QCPErrorBars *m_whiskers;
    QCPTextElement *m_latencyTitle;
    QString m_blocked;
    QStringList m_modelled, m_saved;
};

} // namespace quantscope::widgets
