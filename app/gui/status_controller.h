// SPDX-License-Identifier: MIT
// StatusController: the main window's status bar — the running job's title, stage, elapsed and
// remaining time, queue length, progress bar and Cancel button; when nothing runs, the last
// notice and what is open. A warning leads the line, in the warning colour, until replaced.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

class QLabel;
class QProgressBar;
class QPushButton;
class QStatusBar;
class QTimer;

namespace quantscope::gui {

class JobQueue;

class StatusController : public QObject
{
    Q_OBJECT
public:
    // idleText: what follows the notice when no job runs (the open model's summary).
    StatusController(QStatusBar *bar, JobQueue *queue, std::function<QString()> idleText,
                     QObject *parent = nullptr);

    // What the open dataset or the running job warns of ("" for nothing); may hold several
    // lines: the first is shown, all of them in the tooltip.
    void setWarning(const QString &warning);
    // The last thing that happened (a run ended, a workspace opened).
    void setNotice(const QString &notice);
    void refresh();

    QString text() const;
    QPushButton *cancelButton() const { return m_cancel; }

private:
    JobQueue *m_queue;
    std::function<QString()> m_idleText;
    QString m_stage;
    QString m_notice;
    QString m_warning;
    double m_fraction = 0;
    QLabel *m_label;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QTimer *m_clock; // ticks the elapsed time while a job runs
};

} // namespace quantscope::gui
