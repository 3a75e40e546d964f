// SPDX-License-Identifier: MIT
// WorkspaceController: the workspace the window shows — opening one, copying it to a new folder
// — and the run lists that follow it: the toolbar's run picker (newest first) and the
// compare view's table, whose selected pair it loads.
#pragma once

#include "store/workspace.h"

#include <QObject>
#include <QString>

#include <memory>

class QComboBox;

namespace quantscope::widgets {
class CompareView;
}

namespace quantscope::gui {

class WorkspaceController : public QObject
{
    Q_OBJECT
public:
    WorkspaceController(QComboBox *runPicker, widgets::CompareView *compare,
                        QObject *parent = nullptr);
    ~WorkspaceController() override;

    // Opens dir and remembers it for the next session. Throws quantscope::Error; the workspace
    // open before stays open.
    void open(const QString &dir);
    // Closes the open workspace and copies its folder into dir (new or empty); the caller opens
    // the copy. Throws quantscope::Error: when dir is not empty nothing changed; when the copy
    // failed no workspace is open (workspace() is null) and the caller reopens the original.
    void copyTo(const QString &dir);

    store::Workspace *workspace() const { return m_workspace.get(); } // null: none open
    QComboBox *runPicker() const { return m_picker; }
    QString dir() const;
    // The runs into the picker, with `shown` selected, and into the compare view.
    void refreshRuns(qint64 shown);
    void showInPicker(qint64 runId);

    static QString runLabel(const store::RunRecord &run);

Q_SIGNALS:
    void runPicked(qint64 runId);
    void comparisonFailed(const QString &message);

private:
    QComboBox *m_picker;
    widgets::CompareView *m_compare;
    std::unique_ptr<store::Workspace> m_workspace; // the GUI thread's own connection
};

} // namespace quantscope::gui
