// SPDX-License-Identifier: MIT
// TableExporter: writes any table (item model) as CSV — header row, display text, RFC 4180
// quoting — so every number a view shows can be taken elsewhere.
#pragma once

#include <QString>

class QAbstractItemModel;
class QTableView;
class QWidget;

namespace quantscope::widgets {

class TableExporter
{
public:
    static QString toCsv(const QAbstractItemModel &model);
    // Returns false and fills *error when the file cannot be written.
    static bool saveCsv(const QAbstractItemModel &model, const QString &path,
                        QString *error = nullptr);
    static void saveInteractively(const QAbstractItemModel &model, QWidget *parent,
                                  const QString &baseName);
    // A right-click "Export as CSV…" on the table (what it exports: the view's model, sorted).
    static void addContextMenu(QTableView *table, const QString &baseName);
};

} // namespace quantscope::widgets
