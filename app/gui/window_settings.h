// SPDX-License-Identifier: MIT
// WindowSettings: what the workbench remembers between sessions about its window — geometry,
// dock and toolbar layout — and the Quantize panel's last method and bits (QSettings).
#pragma once

class QMainWindow;

namespace quantscope::widgets {
class QuantizePanel;
}

namespace quantscope::gui {

class WindowSettings
{
public:
    // The remembered layout and choices, or a 1400×880 window and RTN W4 on a first start.
    static void restore(QMainWindow &window, widgets::QuantizePanel &panel);
    static void save(const QMainWindow &window, const widgets::QuantizePanel &panel);
};

} // namespace quantscope::gui
