// SPDX-License-Identifier: MIT
#include "plot_refresh.h"

#include <qcustomplot.h>

#include <QEvent>

namespace quantscope::widgets {

namespace {
// Replots its plot on the next Show event when a redraw was requested while hidden.
class ReplotOnShow : public QObject
{
public:
    explicit ReplotOnShow(QCustomPlot *plot) : QObject(plot), m_plot(plot)
    {
        plot->installEventFilter(this);
    }
    bool pending = false;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched == m_plot && event->type() == QEvent::Show && pending) {
            pending = false;
            m_plot->replot(QCustomPlot::rpQueuedReplot);
        }
        return false;
    }

private:
    QCustomPlot *m_plot;
};
} // namespace

void PlotRefresh::request(QCustomPlot *plot)
{
    if (plot->isVisible()) {
        plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    auto *filter = plot->findChild<ReplotOnShow *>(QString(), Qt::FindDirectChildrenOnly);
    if (!filter)
        filter = new ReplotOnShow(plot);
    filter->pending = true;
}

} // namespace quantscope::widgets
