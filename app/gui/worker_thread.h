// SPDX-License-Identifier: MIT
// WorkerThread: one piece of work at a time on a thread of its own, and a callback on the GUI
// thread once it is done — what the export and deploy controllers share, so the window never
// waits on a file or a device. Destroyed while the work runs, it waits for it (a caller that
// can stop the work, as a deploy's cancel does, stops it first).
#pragma once

#include <QObject>

#include <functional>

class QThread;

namespace quantscope::gui {

class WorkerThread : public QObject
{
    Q_OBJECT
public:
    explicit WorkerThread(QObject *parent) : QObject(parent) {}
    ~WorkerThread() override;

    bool busy() const { return m_thread != nullptr; }
    // Runs work() on a new thread; done() follows on this object's thread, busy() false by then.
    // Nothing happens while busy.
    void start(std::function<void()> work, std::function<void()> done);

private:
    QThread *m_thread = nullptr;
};

} // namespace quantscope::gui
