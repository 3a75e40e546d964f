// SPDX-License-Identifier: MIT
// DeployFigures: what a deploy measured, as plain data for DeployView (the app fills it from
// core's DeployReport; the view links no engine).
#pragma once

#include <QString>
#include <QStringList>

#include <vector>

namespace quantscope::widgets {

struct DeployFigures
{
    struct Backend
    {
        QString name, kernel;
        double p10 = 0, median = 0, p90 = 0; // seconds
        std::vector<double> opSeconds;
        double modelError = -1; // modelled: the model's |error| on this machine; -1 unknown
    };
    QString device, cpu, features;
    QString cores;  // "4 × Cortex-A76 2.40 GHz + 4 × Cortex-A55 1.80 GHz"
    QString pinned; // the cores the timing ran on, "" when not pinned
    bool emulated = false;
    bool modelled = false; // predicted for a core we do not have (p10/p90: the error band)
    QString modelCheck;    // modelled: the check on this machine's core, one line
    double layerError = -1; // modelled: the check's median per-layer |error| (low-bit); -1 none
    QString modelledBeside; // a real device of a modelled core: the model's figures, one line
    int threads = 1, repeats = 0;
    std::vector<Backend> backends;
    QStringList opNames; // per op, for the per-layer chart
    std::vector<int> opBits; // per op: the layer's weight bits (0 for ops without weights)
    qint64 comparedImages = 0;
    double agreement = 0, maxDiff = 0, maxOutput = 0;
    // Per op, for a layer: its input on the device against the simulation over the first
    // layerImages images, the largest |Δ| over the input's largest |x|; -1 where not compared.
    qint64 layerImages = 0;
    std::vector<double> opInputDiff;
    QStringList warnings;
    QString storedAt;
};

} // namespace quantscope::widgets
