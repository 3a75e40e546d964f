// SPDX-License-Identifier: MIT
// LabelPlacer: places point labels so they neither overlap each other nor cover another point
// (points drawn on top of each other count as one) — each tries the four corners around its
// point in turn, and a label with no free corner is left out (its point keeps its hover
// tooltip). Plain geometry in pixels.
#pragma once

#include <QPointF>
#include <QRectF>
#include <QSizeF>

#include <optional>
#include <vector>

namespace quantscope::widgets {

class LabelPlacer
{
public:
    // points[i] is labelled with a box of sizes[i]; markerRadius keeps boxes off every point.
    // Earlier points are placed first. The result: each label's box, or none when it is left out.
    static std::vector<std::optional<QRectF>> place(const std::vector<QPointF> &points,
                                                    const std::vector<QSizeF> &sizes,
                                                    const QRectF &bounds,
                                                    double markerRadius = 5);
};

} // namespace quantscope::widgets
