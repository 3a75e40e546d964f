// SPDX-License-Identifier: MIT
// DevicesDock: the Devices panel as a dock beside the Quantize one — its view and the controller
// that does its work, composed once, and tied to the Deploy view: it offers the saved devices,
// and a device chosen here becomes the one to deploy to.
#pragma once

#include <QDockWidget>

namespace quantscope::widgets {
class DeployView;
class DevicesView;
}

namespace quantscope::gui {

class DevicesController;

class DevicesDock : public QDockWidget
{
    Q_OBJECT
public:
    DevicesDock(widgets::DeployView *deploy, QWidget *parent);

    widgets::DevicesView *view() const { return m_view; }
    DevicesController *controller() const { return m_controller; }

Q_SIGNALS:
    void deviceChosen(); // and set in the Deploy view: the window shows it

private:
    widgets::DevicesView *m_view;
    DevicesController *m_controller;
};

} // namespace quantscope::gui
