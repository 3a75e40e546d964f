// SPDX-License-Identifier: MIT
#include "status_controller.h"

#include "job_queue.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>
#include <QTimer>

namespace quantscope::gui {

namespace {
QString duration(qint64 ms)
{
    const qint64 s = ms / 1000;
    return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0'))
                           .arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}
} // namespace

StatusController::StatusController(QStatusBar *bar, JobQueue *queue,
                                   std::function<QString()> idleText, QObject *parent)
    : QObject(parent), m_queue(queue), m_idleText(std::move(idleText)), m_label(new QLabel(bar)),
      m_progress(new QProgressBar(bar)), m_cancel(new QPushButton(tr("Cancel"), bar)),
      m_clock(new QTimer(this))
{
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(false);
    m_cancel->setToolTip(tr("Cancel the current run (it is kept, marked cancelled)"));
    connect(m_cancel, &QPushButton::clicked, m_queue, &JobQueue::cancelCurrent);
    bar->addWidget(m_label, 1);
    bar->addPermanentWidget(m_progress);
    bar->addPermanentWidget(m_cancel);
    m_clock->setInterval(1000);
    connect(m_clock, &QTimer::timeout, this, &StatusController::refresh);

    connect(m_queue, &JobQueue::jobStarted, this, [this] {
        m_fraction = 0;
        m_stage = tr("starting");
        m_clock->start();
        refresh();
    });
    connect(m_queue, &JobQueue::progress, this, [this](double fraction, const QString &stage) {
        m_fraction = fraction;
        m_stage = stage;
        refresh();
    });
    connect(m_queue, &JobQueue::queueChanged, this, &StatusController::refresh);
    connect(m_queue, &JobQueue::warning, this, &StatusController::setWarning);
    connect(m_queue, &JobQueue::jobFinished, this, [this] {
        if (!m_queue->isBusy())
            m_clock->stop();
        refresh();
    });
    refresh();
}

void StatusController::setWarning(const QString &warning)
{
    m_warning = warning;
    refresh();
}

void StatusController::setNotice(const QString &notice)
{
    m_notice = notice;
    refresh();
}

QString StatusController::text() const
{
    return m_label->text();
}

void StatusController::refresh()
{
    const bool busy = m_queue->isBusy();
    m_progress->setVisible(busy);
    m_cancel->setVisible(busy);
    const int more = int(m_warning.count(QLatin1Char('\n')));
    QString warning;
    if (!m_warning.isEmpty())
        warning = tr("Warning: %1%2   ")
                      .arg(m_warning.section(QLatin1Char('\n'), 0, 0),
                           more ? tr(" (%n more: hover)", nullptr, more) : QString());
    m_label->setStyleSheet(m_warning.isEmpty() ? QString() : QStringLiteral("color: #b06000"));
    m_label->setToolTip(m_warning);
    if (!busy) {
        QStringList parts;
        if (!m_notice.isEmpty())
            parts << m_notice;
        parts << m_idleText();
        m_label->setText(warning + parts.join(QStringLiteral("   ")));
        return;
    }
    m_progress->setValue(int(m_fraction * 1000));
    const qint64 elapsed = m_queue->elapsedMs();
    QString text = tr("%1 · %2 · %3 elapsed").arg(m_queue->currentTitle(), m_stage, duration(elapsed));
    // Remaining time from the overall fraction: methods report their stages in proportion.
    if (m_fraction > 0.02 && elapsed > 2000)
        text += tr(" · ~%1 left").arg(duration(qint64(elapsed * (1 - m_fraction) / m_fraction)));
    if (m_queue->pendingCount())
        text += tr(" · %n queued", nullptr, m_queue->pendingCount());
    m_label->setText(warning + text);
}

} // namespace quantscope::gui
