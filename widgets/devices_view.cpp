// SPDX-License-Identifier: MIT
#include "devices_view.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace quantscope::widgets {

namespace {
enum Column { Name, State, Detail };
constexpr int kRemovableRole = Qt::UserRole + 1;
} // namespace

DevicesView::DevicesView(QWidget *parent)
    : QWidget(parent), m_list(new QTreeWidget(this)), m_host(new QLineEdit(this)),
      m_add(new QPushButton(tr("Add"), this)), m_refresh(new QPushButton(tr("Refresh"), this)),
      m_test(new QPushButton(tr("Test connection"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_use(new QPushButton(tr("Deploy here…"), this)),
      m_remove(new QPushButton(tr("Remove"), this)), m_message(new QLabel(this))
{
    m_list->setColumnCount(3);
    m_list->setHeaderLabels({tr("Device"), tr("State"), tr("What it is")});
    m_list->setRootIsDecorated(false);
    m_list->setAlternatingRowColors(true);
    m_list->setWordWrap(true);
    m_list->header()->setStretchLastSection(true);
    m_host->setPlaceholderText(QStringLiteral("ssh://user@host:port  or  adb:SERIAL"));
    m_host->setToolTip(tr("An SSH host your ssh reaches with a key (its host key already in "
                          "known_hosts), or an ADB phone by serial"));
    m_test->setToolTip(tr("Connect, copy the agent, ask it what the device is, clean up"));
    m_use->setToolTip(tr("Choose this device in the Deploy view"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cancel->setEnabled(false);

    auto *add = new QHBoxLayout;
    add->addWidget(m_host, 1);
    add->addWidget(m_add);
    auto *buttons = new QGridLayout;
    buttons->addWidget(m_test, 0, 0);
    buttons->addWidget(m_cancel, 0, 1);
    buttons->addWidget(m_use, 1, 0);
    buttons->addWidget(m_remove, 1, 1);
    buttons->addWidget(m_refresh, 2, 0);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_list, 1);
    layout->addLayout(buttons);
    layout->addWidget(new QLabel(tr("Add an SSH host or a phone:"), this));
    layout->addLayout(add);
    layout->addWidget(m_message);

    auto selected = [this] { return selectedDevice(); };
    connect(m_add, &QPushButton::clicked, this, [this] {
        if (!m_host->text().trimmed().isEmpty())
            Q_EMIT addRequested(m_host->text().trimmed());
    });
    connect(m_host, &QLineEdit::returnPressed, m_add, &QPushButton::click);
    connect(m_refresh, &QPushButton::clicked, this, &DevicesView::refreshRequested);
    connect(m_test, &QPushButton::clicked, this, [this, selected] { Q_EMIT testRequested(selected()); });
    connect(m_cancel, &QPushButton::clicked, this, &DevicesView::cancelTestRequested);
    connect(m_use, &QPushButton::clicked, this, [this, selected] { Q_EMIT useRequested(selected()); });
    connect(m_remove, &QPushButton::clicked, this,
            [this, selected] { Q_EMIT removeRequested(selected()); });
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &DevicesView::updateButtons);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this,
            [this](QTreeWidgetItem *item) { Q_EMIT useRequested(item->text(Name)); });
    updateButtons();
}

void DevicesView::setDevices(const std::vector<DeviceRow> &rows)
{
    const QString current = selectedDevice();
    m_list->clear();
    for (const auto &r : rows) {
        auto *item = new QTreeWidgetItem(m_list, {r.name, QString(), r.detail});
        item->setData(Name, kRemovableRole, r.removable);
        item->setToolTip(Detail, r.detail);
        showState(item, r.state);
    }
    m_list->resizeColumnToContents(Name);
    m_list->resizeColumnToContents(State);
    selectDevice(current.isEmpty() && !rows.empty() ? rows.front().name : current);
    updateButtons();
}

void DevicesView::setListing(bool listing)
{
    m_listing = listing;
    if (listing)
        setMessage(tr("Looking for devices…"));
    updateButtons();
}

void DevicesView::setTesting(const QString &name)
{
    m_testing = name;
    if (!name.isEmpty())
        setMessage(tr("Testing %1…").arg(name));
    updateButtons();
}

void DevicesView::showTestResult(const QString &name, bool ok, const QString &text)
{
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        auto *item = m_list->topLevelItem(i);
        if (item->text(Name) != name)
            continue;
        showState(item, ok ? DeviceRow::State::Ready : DeviceRow::State::Failed);
        item->setText(Detail, text);
        item->setToolTip(Detail, text);
    }
    setMessage(ok ? tr("%1 answered: %2").arg(name, text) : text, !ok);
}

void DevicesView::showState(QTreeWidgetItem *item, DeviceRow::State state)
{
    struct Look
    {
        const char *text;
        QColor colour;
    };
    // In the order of DeviceRow::State.
    static const Look looks[] = {{QT_TR_NOOP("ready"), QColor(30, 120, 50)},
                                 {QT_TR_NOOP("not ready"), QColor(160, 90, 0)},
                                 {QT_TR_NOOP("untested"), QColor(90, 90, 90)},
                                 {QT_TR_NOOP("failed"), QColor(176, 0, 32)}};
    const Look &look = looks[int(state)];
    item->setText(State, tr(look.text));
    item->setForeground(State, look.colour);
}

QString DevicesView::stateOf(const QString &name) const
{
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        if (m_list->topLevelItem(i)->text(Name) == name)
            return m_list->topLevelItem(i)->text(State);
    return {};
}

void DevicesView::setMessage(const QString &text, bool error)
{
    m_message->setText(error ? QStringLiteral("<span style='color:#b00020'>%1</span>")
                                   .arg(text.toHtmlEscaped())
                             : text.toHtmlEscaped());
}

QString DevicesView::messageText() const
{
    return m_message->text();
}

QString DevicesView::selectedDevice() const
{
    const auto items = m_list->selectedItems();
    return items.isEmpty() ? QString() : items.front()->text(Name);
}

void DevicesView::selectDevice(const QString &name)
{
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        if (m_list->topLevelItem(i)->text(Name) == name)
            m_list->setCurrentItem(m_list->topLevelItem(i));
}

void DevicesView::updateButtons()
{
    const auto items = m_list->selectedItems();
    const bool busy = m_listing || !m_testing.isEmpty();
    m_test->setEnabled(!items.isEmpty() && !busy);
    m_use->setEnabled(!items.isEmpty());
    m_remove->setEnabled(!items.isEmpty() && items.front()->data(Name, kRemovableRole).toBool() &&
                         !busy);
    m_refresh->setEnabled(!busy);
    m_add->setEnabled(!m_listing);
    m_cancel->setEnabled(!m_testing.isEmpty());
}

} // namespace quantscope::widgets
