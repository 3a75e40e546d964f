// SPDX-License-Identifier: MIT
#include "wheel_guard.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QWidget>

namespace quantscope::widgets {

void WheelGuard::guard(QWidget *root)
{
    // One filter for every editor: one that two roots reach (the method form inside the
    // Quantize panel) keeps one filter, since installing the same one again only moves it.
    static WheelGuard filter;
    QList<QWidget *> editors;
    for (auto *spin : root->findChildren<QAbstractSpinBox *>())
        editors.push_back(spin);
    for (auto *combo : root->findChildren<QComboBox *>())
        editors.push_back(combo);
    for (auto *editor : editors) {
        // Wheel focus would hand the focus over with the first turn of the wheel.
        editor->setFocusPolicy(Qt::StrongFocus);
        editor->installEventFilter(&filter);
    }
}

bool WheelGuard::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::Wheel || static_cast<QWidget *>(watched)->hasFocus())
        return false;
    // Not delivered to the editor, and not accepted: Qt passes it on to the parents.
    event->ignore();
    return true;
}

} // namespace quantscope::widgets
