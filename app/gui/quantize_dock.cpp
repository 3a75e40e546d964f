// SPDX-License-Identifier: MIT
#include "quantize_dock.h"

#include "compute_device.h"
#include "quant/method.h"
#include "quantize_panel.h"

#include <QScrollArea>

namespace quantscope::gui {

QuantizeDock::QuantizeDock(widgets::QuantizePanel *panel, QWidget *parent)
    : QDockWidget(tr("Quantize"), parent)
{
    std::vector<widgets::MethodDescription> methods;
    for (const auto &name : quant::Method::names()) {
        const auto method = quant::Method::create(name);
        methods.push_back({QString::fromStdString(name), QString::fromStdString(method->title()),
                           method->params(), method->weightBitsIgnoredWhen()});
    }
    panel->setMethods(methods);
    QStringList devices;
    for (const auto &d : ComputeDevice::available())
        devices << QString::fromStdString(d);
    panel->setDevices(devices, QString::fromUtf8(ComputeDevice::whyCpuOnly()));
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(panel);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setObjectName(QStringLiteral("quantizeDock")); // the name saved window layouts know
    setWidget(scroll);
    setMinimumWidth(330);
}

} // namespace quantscope::gui
