// SPDX-License-Identifier: MIT
#include "devices_dock.h"

#include "deploy_view.h"
#include "devices_controller.h"
#include "devices_view.h"

#include "deploy/modelled_core.h"

namespace quantscope::gui {

DevicesDock::DevicesDock(widgets::DeployView *deploy, QWidget *parent)
    : QDockWidget(tr("Devices"), parent), m_view(new widgets::DevicesView(this)),
      m_controller(new DevicesController(m_view, this))
{
    setObjectName(QStringLiteral("devicesDock")); // the name saved window layouts know
    setWidget(m_view);
    connect(m_controller, &DevicesController::savedDevicesChanged, deploy,
            &widgets::DeployView::setSavedDevices);
    QStringList modelled;
    for (const auto &core : deploy::ModelledCore::arm())
        modelled << QStringLiteral("model:") + QString::fromStdString(core.id);
    deploy->setModelledDevices(modelled);
    connect(m_controller, &DevicesController::deviceChosen, this, [this, deploy](const QString &name) {
        deploy->setDevice(name);
        Q_EMIT deviceChosen();
    });
}

} // namespace quantscope::gui
