// SPDX-License-Identifier: MIT
#include "recent_models.h"

#include "start_page.h"

#include <QMenu>
#include <QSettings>

namespace quantscope::gui {

namespace {
const QString kKey = QStringLiteral("recentModels");
}

RecentModels::RecentModels(QMenu *menu, widgets::StartPage *startPage,
                           std::function<void(const QString &)> open, QObject *parent)
    : QObject(parent), m_menu(menu), m_startPage(startPage), m_open(std::move(open))
{
}

void RecentModels::remember(const QString &path)
{
    QSettings settings;
    auto recent = settings.value(kKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMax)
        recent.removeLast();
    settings.setValue(kKey, recent);
    refresh();
}

void RecentModels::refresh()
{
    const auto recent = QSettings().value(kKey).toStringList();
    m_startPage->setRecentModels(recent);
    m_menu->clear();
    for (const auto &path : recent)
        m_menu->addAction(path, this, [this, path] { m_open(path); });
    m_menu->setEnabled(!recent.isEmpty());
}

} // namespace quantscope::gui
