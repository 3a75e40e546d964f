// SPDX-License-Identifier: MIT
// StartPage: what a new user sees first — one click to open the bundled demo, the open actions,
// and the recently used models.
#pragma once

#include <QWidget>

class QListWidget;
class QPushButton;

namespace quantscope::widgets {

class StartPage : public QWidget
{
    Q_OBJECT
public:
    explicit StartPage(QWidget *parent = nullptr);

    void setDemoAvailable(bool available, const QString &why);
    void setRecentModels(const QStringList &paths);
    QPushButton *demoButton() const { return m_demo; }

Q_SIGNALS:
    void demoRequested();
    void openModelRequested();
    void openDatasetRequested();
    void openWorkspaceRequested();
    void recentModelActivated(const QString &path);

private:
    QPushButton *m_demo;
    QListWidget *m_recent;
};

} // namespace quantscope::widgets
