// SPDX-License-Identifier: MIT
#include "plot_exporter.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSvgGenerator>

namespace quantscope::widgets {

namespace {
// Export at a fixed, paper-friendly size rather than whatever the window happens to be.
constexpr int kWidth = 900;
constexpr int kHeight = 560;

bool saveSvg(QCustomPlot *plot, const QString &path)
{
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(QSize(kWidth, kHeight));
    generator.setViewBox(QRect(0, 0, kWidth, kHeight));
    generator.setTitle(QStringLiteral("QuantScope plot"));
    QCPPainter painter;
    if (!painter.begin(&generator))
        return false;
    plot->toPainter(&painter, kWidth, kHeight);
    return painter.end();
}
} // namespace

bool PlotExporter::save(QCustomPlot *plot, const QString &path, QString *error)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (suffix == QLatin1String("png"))
        ok = plot->savePng(path, kWidth, kHeight, 2.0);
    else if (suffix == QLatin1String("pdf"))
        ok = plot->savePdf(path, kWidth, kHeight);
    else if (suffix == QLatin1String("svg"))
        ok = saveSvg(plot, path);
    else {
        if (error)
            *error = QObject::tr("Unknown plot format \"%1\": use .png, .pdf or .svg").arg(suffix);
        return false;
    }
    if (!ok && error)
        *error = QObject::tr("Could not write %1").arg(path);
    return ok;
}

void PlotExporter::saveInteractively(QCustomPlot *plot, QWidget *parent, const QString &baseName)
{
    QString selected;
    QString path = QFileDialog::getSaveFileName(
        parent, QObject::tr("Export plot"), baseName + QStringLiteral(".png"),
        QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"), &selected);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty()) // take the format from the chosen filter
        path += selected.contains(QLatin1String("pdf"))   ? QStringLiteral(".pdf")
                : selected.contains(QLatin1String("svg")) ? QStringLiteral(".svg")
                                                          : QStringLiteral(".png");
    QString error;
    if (!save(plot, path, &error))
        QMessageBox::warning(parent, QObject::tr("Export plot"), error);
}

void PlotExporter::addContextMenu(QCustomPlot *plot, const QString &baseName)
{
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot, baseName](QPoint at) {
        QMenu menu(plot);
        menu.addAction(QObject::tr("Export plot…"),
                       [plot, baseName] { saveInteractively(plot, plot->window(), baseName); });
        menu.exec(plot->mapToGlobal(at));
    });
}

} // namespace quantscope::widgets
