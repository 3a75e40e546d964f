// SPDX-License-Identifier: MIT
#include "label_placer.h"

#include <QLineF>

namespace quantscope::widgets {

std::vector<std::optional<QRectF>> LabelPlacer::place(const std::vector<QPointF> &points,
                                                      const std::vector<QSizeF> &sizes,
                                                      const QRectF &bounds, double markerRadius)
{
    std::vector<QRectF> taken;
    for (const auto &p : points)
        taken.emplace_back(p.x() - markerRadius, p.y() - markerRadius, 2 * markerRadius,
                           2 * markerRadius);
    std::vector<std::optional<QRectF>> placed(points.size());
    for (size_t i = 0; i < points.size(); ++i) {
        const QPointF p = points[i];
        const double w = sizes[i].width(), h = sizes[i].height(), gap = markerRadius * 0.6;
        // Right above first (where one reads a label), then right below, left above, left below.
        const QRectF candidates[] = {
            {p.x() + gap, p.y() - gap - h, w, h},
            {p.x() + gap, p.y() + gap, w, h},
            {p.x() - gap - w, p.y() - gap - h, w, h},
            {p.x() - gap - w, p.y() + gap, w, h},
        };
        for (const auto &box : candidates) {
            if (!bounds.contains(box))
                continue;
            bool free = true;
            for (size_t j = 0; j < taken.size() && free; ++j) {
                // Its own marker touches by design, and so do markers drawn on top of it: one
                // label stands for points that coincide.
                const bool coincident = j < points.size() &&
                                        QLineF(points[j], p).length() < 2 * markerRadius;
                free = coincident || !taken[j].intersects(box);
            }
            if (free) {
                placed[i] = box;
                taken.push_back(box);
                break;
            }
        }
    }
    return placed;
}

} // namespace quantscope::widgets
