// SPDX-License-Identifier: MIT
// RecentModels: the models opened lately, newest first, kept in the settings and offered in
// File ▸ Recent Models and on the start page.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

class QMenu;

namespace quantscope::widgets {
class StartPage;
}

namespace quantscope::gui {

class RecentModels : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMax = 8;

    // open: what choosing one of the menu's entries does.
    RecentModels(QMenu *menu, widgets::StartPage *startPage,
                 std::function<void(const QString &)> open, QObject *parent = nullptr);

    // Puts path first (once) and shows the list again.
    void remember(const QString &path);
    void refresh();

private:
    QMenu *m_menu;
    widgets::StartPage *m_startPage;
    std::function<void(const QString &)> m_open;
};

} // namespace quantscope::gui
