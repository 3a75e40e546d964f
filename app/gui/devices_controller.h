// SPDX-License-Identifier: MIT
// DevicesController: the Devices panel's work — the devices listed (adb asked on a worker thread,
// as it can take seconds to answer), SSH hosts and phones added to or removed from the
// workspace's list, a connection test (connect, copy the agent, ask it what the device is,
// clean up) on a worker thread with Cancel, and the chosen device handed to the Deploy view.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <map>
#include <memory>
#include <vector>

namespace quantscope::widgets {
class DevicesView;
struct DeviceRow;
}

namespace quantscope::gui {

class WorkerThread;

class DevicesController : public QObject
{
    Q_OBJECT
public:
    explicit DevicesController(widgets::DevicesView *view, QObject *parent = nullptr);
    ~DevicesController() override; // cancels a test in flight

    // The workspace whose devices are kept; its list is announced and the devices listed again.
    void setWorkspace(const QString &dir);
    // Announces the workspace's saved devices and lists what is attached again.
    void refresh();

Q_SIGNALS:
    void savedDevicesChanged(const QStringList &names);
    void deviceChosen(const QString &name);

private:
    struct Listed
    {
        QString name, detail;
        bool ready = false;
    };
    void add(const QString &name);
    void remove(const QString &name);
    void test(const QString &name);
    QStringList saved() const;
    void showRows();

    widgets::DevicesView *m_view;
    QString m_workspaceDir;
    WorkerThread *m_lister, *m_tester;
    std::vector<Listed> m_listed;                  // the last listing
    std::map<QString, std::pair<bool, QString>> m_tested; // last test per device, this session
    std::shared_ptr<std::atomic<bool>> m_cancelTest;
};

} // namespace quantscope::gui
