// SPDX-License-Identifier: MIT
// PlotExporter: saves a plot as PNG, PDF or SVG (chosen by the file's suffix) and gives every
// plot a right-click "Export…" menu, so any figure can go straight into a paper.
#pragma once

#include <QString>

class QCustomPlot;
class QWidget;

namespace quantscope::widgets {

class PlotExporter
{
public:
    // Returns false and fills *error when the suffix is unknown or the file cannot be written.
    static bool save(QCustomPlot *plot, const QString &path, QString *error = nullptr);
    // Asks for a file name, saves, and reports a failure in a dialog.
    static void saveInteractively(QCustomPlot *plot, QWidget *parent, const QString &baseName);
    static void addContextMenu(QCustomPlot *plot, const QString &baseName);
};

} // namespace quantscope::widgets
