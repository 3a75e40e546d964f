// SPDX-License-Identifier: MIT
#include "table_exporter.h"

#include <QAbstractItemModel>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QTableView>

namespace quantscope::widgets {

namespace {
QString quoted(QString field)
{
    if (!field.contains(QLatin1Char(',')) && !field.contains(QLatin1Char('"')) &&
        !field.contains(QLatin1Char('\n')))
        return field;
    field.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + field + QLatin1Char('"');
}
} // namespace

QString TableExporter::toCsv(const QAbstractItemModel &model)
{
    QString csv;
    QStringList fields;
    for (int c = 0; c < model.columnCount(); ++c)
        fields << quoted(model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    csv += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
    for (int r = 0; r < model.rowCount(); ++r) {
        fields.clear();
        for (int c = 0; c < model.columnCount(); ++c)
            fields << quoted(model.index(r, c).data(Qt::DisplayRole).toString());
        csv += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return csv;
}

bool TableExporter::saveCsv(const QAbstractItemModel &model, const QString &path, QString *error)
{
    QSaveFile file(path); // all or nothing: a failed export never leaves half a file
    if (file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        file.write(toCsv(model).toUtf8());
        if (file.commit())
            return true;
    }
    if (error)
        *error = QObject::tr("Could not write %1: %2").arg(path, file.errorString());
    return false;
}

void TableExporter::saveInteractively(const QAbstractItemModel &model, QWidget *parent,
                                      const QString &baseName)
{
    const QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export table"),
                                                      baseName + QStringLiteral(".csv"),
                                                      QObject::tr("CSV table (*.csv)"));
    QString error;
    if (!path.isEmpty() && !saveCsv(model, path, &error))
        QMessageBox::warning(parent, QObject::tr("Export table"), error);
}

void TableExporter::addContextMenu(QTableView *table, const QString &baseName)
{
    table->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(table, &QWidget::customContextMenuRequested, table,
                     [table, baseName](QPoint at) {
                         QMenu menu(table);
                         menu.addAction(QObject::tr("Export table as CSV…"), [table, baseName] {
                             saveInteractively(*table->model(), table->window(), baseName);
                         });
                         menu.exec(table->viewport()->mapToGlobal(at));
                     });
}

} // namespace quantscope::widgets
