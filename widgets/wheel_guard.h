// SPDX-License-Identifier: MIT
// WheelGuard: a settings panel scrolls under the mouse wheel, and a spin box or combo box that
// the pointer passes over would take the wheel and change its value instead, unseen: scrolling
// the Quantize panel turned BRECQ's output loss from mse to fisher that way. A guarded editor
// takes the wheel only while it has the focus (clicked or tabbed into); otherwise the wheel
// scrolls whatever holds it.
#pragma once

#include <QObject>

class QWidget;

namespace quantscope::widgets {

class WheelGuard : public QObject
{
    Q_OBJECT

public:
    // Guards every spin box and combo box under root as it is now; call again after adding
    // editors. Guarding an editor twice changes nothing.
    static void guard(QWidget *root);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    using QObject::QObject;
};

} // namespace quantscope::widgets
