// SPDX-License-Identifier: MIT
// DevicesView: the Devices panel — every device a run can be deployed to (this machine, the
// emulated ARM one, the workspace's SSH hosts, attached ADB phones) with whether it is ready and
// what it is; add an SSH host, remove one, test a connection (with Cancel), or pick one for the
// Deploy view. Plain rows in, requests out: the app does the work.
#pragma once

#include <QWidget>

#include <vector>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace quantscope::widgets {

struct DeviceRow
{
    // Ready: can be deployed to, as far as is known (or its test passed); Untested: a saved
    // host nothing has checked yet; Failed: its last test failed.
    enum class State { Ready, NotReady, Untested, Failed };
    QString name;   // as the CLI spells it: local, emulated-arm64, ssh://…, adb:SERIAL
    State state = State::NotReady;
    QString detail; // what it is, what it lacks, or what its last test found
    bool removable = false; // kept in the workspace (an SSH host, a phone used before)
};

class DevicesView : public QWidget
{
    Q_OBJECT
public:
    explicit DevicesView(QWidget *parent = nullptr);

    void setDevices(const std::vector<DeviceRow> &rows);
    // While listing (adb can take seconds to answer) or testing, the buttons that would start
    // another wait; Cancel stops a test.
    void setListing(bool listing);
    void setTesting(const QString &name); // "" when no test runs
    void showTestResult(const QString &name, bool ok, const QString &text);
    QString stateOf(const QString &name) const; // as shown: "ready", "failed"…
    void setMessage(const QString &text, bool error = false);

    QString selectedDevice() const;
    void selectDevice(const QString &name);

    QTreeWidget *list() const { return m_list; }
    QLineEdit *hostEdit() const { return m_host; }
    QPushButton *addButton() const { return m_add; }
    QPushButton *testButton() const { return m_test; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *useButton() const { return m_use; }
    QPushButton *removeButton() const { return m_remove; }
    QString messageText() const;

Q_SIGNALS:
    void addRequested(const QString &name);
    void removeRequested(const QString &name);
    void refreshRequested();
    void testRequested(const QString &name);
    void cancelTestRequested();
    void useRequested(const QString &name); // deploy to it: the Deploy view takes it

private:
    void updateButtons();
    static void showState(QTreeWidgetItem *item, DeviceRow::State state);

    QTreeWidget *m_list;
    QLineEdit *m_host;
    QPushButton *m_add, *m_refresh, *m_test, *m_cancel, *m_use, *m_remove;
    QLabel *m_message;
    QString m_testing;
    bool m_listing = false;
};

} // namespace quantscope::widgets
