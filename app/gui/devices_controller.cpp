// SPDX-License-Identifier: MIT
#include "devices_controller.h"

#include "deploy/device.h"
#include "deploy/device_probe.h"
#include "deploy/saved_devices.h"
#include "devices_view.h"
#include "error.h"
#include "worker_thread.h"

#include <QLineEdit>
#include <QTreeWidget>

#include <algorithm>

namespace quantscope::gui {

namespace {

// What a test found, in one line: "Cortex-A76 board (aarch64; 4 × Cortex-A76 2.40 GHz;
// governor ondemand)".
QString factsLine(const deploy::DeviceFacts &f)
{
    QString text = QString::fromStdString(f.cpu.empty() ? f.architecture : f.cpu);
    QStringList parts{QString::fromStdString(f.architecture),
                      QString::fromStdString(f.coreSummary())};
    if (!f.governor.empty())
        parts << QObject::tr("governor %1").arg(QString::fromStdString(f.governor));
    if (f.emulated)
        parts << QObject::tr("emulated");
    if (f.modelled)
        parts << QObject::tr("modelled");
    parts.removeAll(QString());
    return text + QStringLiteral(" (") + parts.join(QStringLiteral("; ")) + QStringLiteral(")");
}

} // namespace

DevicesController::DevicesController(widgets::DevicesView *view, QObject *parent)
    : QObject(parent), m_view(view), m_lister(new WorkerThread(this)),
      m_tester(new WorkerThread(this))
{
    connect(view, &widgets::DevicesView::addRequested, this, &DevicesController::add);
    connect(view, &widgets::DevicesView::removeRequested, this, &DevicesController::remove);
    connect(view, &widgets::DevicesView::refreshRequested, this, &DevicesController::refresh);
    connect(view, &widgets::DevicesView::testRequested, this, &DevicesController::test);
    connect(view, &widgets::DevicesView::cancelTestRequested, this, [this] {
        if (m_cancelTest)
            *m_cancelTest = true;
    });
    connect(view, &widgets::DevicesView::useRequested, this, &DevicesController::deviceChosen);
}

DevicesController::~DevicesController()
{
    if (m_cancelTest)
        *m_cancelTest = true;
}

void DevicesController::setWorkspace(const QString &dir)
{
    if (dir == m_workspaceDir)
        return;
    m_workspaceDir = dir;
    refresh();
}

QStringList DevicesController::saved() const
{
    QStringList names;
    if (!m_workspaceDir.isEmpty())
        for (const auto &name : deploy::SavedDevices::load(m_workspaceDir.toStdString()))
            names << QString::fromStdString(name);
    return names;
}

void DevicesController::refresh()
{
    Q_EMIT savedDevicesChanged(saved()); // a deploy may have added one
    if (m_lister->busy())
        return;
    auto listed = std::make_shared<std::vector<Listed>>();
    m_view->setListing(true);
    m_lister->start(
        [listed] {
            for (const auto &d : deploy::Device::known())
                listed->push_back({QString::fromStdString(d.name),
                                   QString::fromStdString(d.detail), d.ready});
        },
        [this, listed] {
            m_listed = std::move(*listed);
            m_view->setListing(false);
            showRows();
            m_view->setMessage(tr("%n device(s) listed.", nullptr, m_view->list()->topLevelItemCount()));
        });
}

void DevicesController::showRows()
{
    // What was found (the SSH entry is a form, not a device: the hosts saved stand in for it),
    // then the saved devices not found, then the last test of each, where one ran.
    using State = widgets::DeviceRow::State;
    std::vector<widgets::DeviceRow> rows;
    const QStringList kept = saved();
    bool sshAvailable = false;
    for (const auto &d : m_listed) {
        if (d.name.startsWith(QLatin1String("ssh://"))) {
            sshAvailable = d.ready;
            continue;
        }
        rows.push_back({d.name, d.ready ? State::Ready : State::NotReady, d.detail,
                        kept.contains(d.name)});
    }
    for (const auto &name : kept) {
        if (std::any_of(rows.begin(), rows.end(), [&](const auto &r) { return r.name == name; }))
            continue;
        const bool ssh = name.startsWith(QLatin1String("ssh://"));
        rows.push_back({name, ssh && sshAvailable ? State::Untested : State::NotReady,
                        ssh ? (sshAvailable ? tr("saved SSH host; Test connection to check it")
                                            : tr("ssh is not installed"))
                            : tr("saved phone; not attached now"),
                        true});
    }
    for (auto &r : rows)
        if (const auto it = m_tested.find(r.name); it != m_tested.end()) {
            r.state = it->second.first ? State::Ready : State::Failed;
            r.detail = it->second.second;
        }
    m_view->setDevices(rows);
}

void DevicesController::add(const QString &text)
{
    try {
        QString name = text;
        if (text.startsWith(QLatin1String("ssh://")))
            name = QString::fromStdString(deploy::Device::named(text.toStdString())->name());
        else if (!text.startsWith(QLatin1String("adb:")) || text.size() <= 4)
            throw Error("'" + text.toStdString() +
                        "' is neither ssh://[user@]host[:port] nor adb:SERIAL");
        if (m_workspaceDir.isEmpty())
            throw Error("open a workspace first: its devices are kept with it");
        deploy::SavedDevices::remember(m_workspaceDir.toStdString(), name.toStdString());
        Q_EMIT savedDevicesChanged(saved());
        showRows();
        m_view->selectDevice(name);
        m_view->hostEdit()->clear();
        m_view->setMessage(tr("%1 added; Test connection checks that it answers.").arg(name));
    } catch (const Error &e) {
        m_view->setMessage(QString::fromUtf8(e.what()), true);
    }
}

void DevicesController::remove(const QString &name)
{
    deploy::SavedDevices::forget(m_workspaceDir.toStdString(), name.toStdString());
    m_tested.erase(name);
    Q_EMIT savedDevicesChanged(saved());
    showRows();
    m_view->setMessage(tr("%1 removed from this workspace.").arg(name));
}

void DevicesController::test(const QString &name)
{
    if (m_tester->busy() || name.isEmpty())
        return;
    m_cancelTest = std::make_shared<std::atomic<bool>>(false);
    auto cancelled = m_cancelTest;
    auto outcome = std::make_shared<std::pair<bool, QString>>(false, QString());
    m_view->setTesting(name);
    m_tester->start(
        [name, cancelled, outcome] {
            try {
                auto device = deploy::Device::named(name.toStdString());
                device->setCancelCheck([cancelled] { return bool(*cancelled); });
                *outcome = {true, factsLine(deploy::DeviceProbe::test(*device))};
            } catch (const Cancelled &) {
                *outcome = {false, QObject::tr("%1: test cancelled").arg(name)};
            } catch (const std::exception &e) {
                *outcome = {false, QString::fromUtf8(e.what())};
            }
        },
        [this, name, outcome] {
            m_view->setTesting({});
            m_tested[name] = *outcome;
            m_view->showTestResult(name, outcome->first, outcome->second);
        });
}

} // namespace quantscope::gui
