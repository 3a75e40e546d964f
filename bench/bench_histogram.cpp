// SPDX-License-Identifier: MIT
// bench_histogram: re-binning and redrawing the histogram of a 2.4-million-weight layer (the
// size of ResNet-18's largest conv, 512×512×3×3) — what timeline playback and a bin-count
// change cost. Target: under 16 ms per frame, so playback can run at 60 frames per second.
#include "histogram_view.h"
#include "weight_binner.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

using quantscope::widgets::HistogramView;
using quantscope::widgets::WeightBinner;

namespace {
double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    constexpr size_t kWeights = 512 * 512 * 3 * 3; // 2 359 296
    constexpr int kRepeats = 30;
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.f, 0.02f);
    std::vector<float> weights(kWeights);
    for (auto &w : weights)
        w = dist(rng);
    std::vector<double> grid; // a 4-bit grid over ±3σ
    for (int i = 0; i < 16; ++i)
        grid.push_back(-0.06 + i * 0.12 / 15);

    HistogramView view;
    view.resize(900, 560);
    view.show();
    QApplication::processEvents();
    view.setWeights(weights, grid, QStringLiteral("layer4.conv2 (2.4M weights)"));
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);

    std::printf("QuantScope histogram benchmark: %zu weights, plot %dx%d, median of %d\n",
                kWeights, view.plot()->width(), view.plot()->height(), kRepeats);
    std::printf("%6s %12s %12s %12s\n", "bins", "bin ms", "redraw ms", "frame ms");
    for (int bins : {64, 128, 256, 512}) {
        std::vector<double> binMs, drawMs, frameMs;
        for (int r = 0; r < kRepeats; ++r) {
            QElapsedTimer clock;
            clock.start();
            const auto binned = WeightBinner::bin(weights, bins, grid);
            binMs.push_back(clock.nsecsElapsed() / 1e6);
            clock.restart();
            view.setBinCount(bins + (r % 2)); // a real change each time: re-bin + redraw
            view.plot()->replot(QCustomPlot::rpImmediateRefresh);
            frameMs.push_back(clock.nsecsElapsed() / 1e6);
            clock.restart();
            view.plot()->replot(QCustomPlot::rpImmediateRefresh);
            drawMs.push_back(clock.nsecsElapsed() / 1e6);
        }
        std::printf("%6d %12.2f %12.2f %12.2f\n", bins, median(binMs), median(drawMs),
                    median(frameMs));
    }
    return 0;
}
