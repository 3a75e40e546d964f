// SPDX-License-Identifier: MIT
#include "window_settings.h"

#include "quantize_panel.h"

#include <QMainWindow>
#include <QSettings>

namespace quantscope::gui {

void WindowSettings::restore(QMainWindow &window, widgets::QuantizePanel &panel)
{
    QSettings settings;
    if (!window.restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray()))
        window.resize(1400, 880);
    window.restoreState(settings.value(QStringLiteral("windowState")).toByteArray());
    panel.setMethod(settings.value(QStringLiteral("method"), QStringLiteral("rtn")).toString());
    panel.setBits(settings.value(QStringLiteral("wbits"), 4).toInt(),
                  settings.value(QStringLiteral("abits"), 32).toInt());
}

void WindowSettings::save(const QMainWindow &window, const widgets::QuantizePanel &panel)
{
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), window.saveGeometry());
    settings.setValue(QStringLiteral("windowState"), window.saveState());
    settings.setValue(QStringLiteral("method"), panel.method());
    settings.setValue(QStringLiteral("wbits"), panel.weightBits());
    settings.setValue(QStringLiteral("abits"), panel.activationBits());
}

} // namespace quantscope::gui
