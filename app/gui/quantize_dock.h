// SPDX-License-Identifier: MIT
// QuantizeDock: the Quantize panel as a dock that stays visible whichever view is in front,
// scrolling when the window is short, and offering every method core registers (the panel
// itself sees plain method descriptions only).
#pragma once

#include <QDockWidget>

namespace quantscope::widgets {
class QuantizePanel;
}

namespace quantscope::gui {

class QuantizeDock : public QDockWidget
{
    Q_OBJECT
public:
    QuantizeDock(widgets::QuantizePanel *panel, QWidget *parent);
};

} // namespace quantscope::gui
