// SPDX-License-Identifier: MIT
// BitAllocationView: the bits each layer received in one run — a bar per layer (height = weight
// bits, fractional for ALQ), labelled with its parameter count; hovering shows the numbers.
#pragma once

#include "store/run_record.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPBars;
class QCPTextElement;
class QMouseEvent;

namespace quantscope::widgets {

class BitAllocationView : public QWidget
{
    Q_OBJECT
public:
    explicit BitAllocationView(QWidget *parent = nullptr);

    void setRun(const store::RunRecord &run, const std::vector<store::LayerRecord> &layers);
    void clear(const QString &message);

    int barCount() const;
    double barHeight(int index) const;
    // What hovering bar `index` shows.
    QString toolTipFor(int index) const;
    QCustomPlot *plot() const { return m_plot; }

private:
    void showToolTip(QMouseEvent *event);

    QCustomPlot *m_plot;
    QCPBars *m_bars;
    QCPTextElement *m_title;
    std::vector<store::LayerRecord> m_layers;
};

} // namespace quantscope::widgets
