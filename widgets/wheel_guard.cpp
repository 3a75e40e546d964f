// SPDX-License-Identifier: MIT
#include "wheel_guard.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QWidget>

namespace quantscope::widgets {

void WheelGuard::guard(QWidget *root)
{
    auto *filter = root->findChild<WheelGuard *>(QString(), Qt::FindDirectChildrenOnly);
    if (!filter)
        filter = new WheelGuard(root);
    QList<QWidget *> editors;
    for (auto *spin : root->findChildren<QAbstractSpinBox *>())
        editors.push_back(spin);
    for (auto *combo : root->findChildren<QComboBox *>())
        editors.push_back(combo);
    for (auto *editor : editors) {
        // Wheel focus would hand the focus over with the first turn of the wheel.
        editor->setFocusPolicy(Qt::StrongFocus);
        editor->installEventFilter(filter); // installing twice keeps one
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
