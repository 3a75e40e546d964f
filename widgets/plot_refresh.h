// SPDX-License-Identifier: MIT
// PlotRefresh: redraws a plot now if it is on screen, else when it is next shown. Plots in
// hidden tabs have no size yet, and drawing them then only produces empty-buffer warnings.
#pragma once

class QCustomPlot;

namespace quantscope::widgets {

class PlotRefresh
{
public:
    static void request(QCustomPlot *plot);
};

} // namespace quantscope::widgets
