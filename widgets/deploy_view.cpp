// SPDX-License-Identifier: MIT
#include "deploy_view.h"

#include "plot_exporter.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace quantscope::widgets {

namespace {

// Per-layer bars coloured by weight bits: fewer bits, warmer.
QColor bitsColour(int bits)
{
    if (bits <= 0)
        return QColor(150, 150, 150);
    if (bits <= 2)
        return QColor(200, 80, 40);
    if (bits <= 4)
        return QColor(220, 160, 40); // amber
    return QColor(40, 90, 160);
}

// The smallest input difference the per-layer chart shows, in percent: float32 rounding.
constexpr double kDriftFloor = 1e-6;

} // namespace

DeployView::DeployView(QWidget *parent)
    : QWidget(parent), m_device(new QComboBox(this)), m_threads(new QSpinBox(this)),
      m_repeats(new QSpinBox(this)), m_deploy(new QPushButton(tr("Deploy"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)), m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)), m_summary(new QLabel(this)), m_latency(new QCustomPlot(this)),
      m_layers(new QCustomPlot(this))
{
    m_device->setEditable(true); // an SSH host is typed: ssh://user@host:port
    m_device->addItems({QStringLiteral("local"), QStringLiteral("emulated-arm64"),
                        QStringLiteral("ssh://user@host")});
    m_device->setToolTip(tr("local, emulated-arm64 (qemu; timings emulated), "
                            "ssh://[user@]host[:port] (your ssh keys, known hosts only) or "
                            "model:cortex-a55… (latency predicted by llvm-mca, not measured)"));
    m_threads->setRange(1, 64);
    m_repeats->setRange(1, 10000);
    m_repeats->setValue(20);
    m_cancel->setEnabled(false);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Device:"), this));
    controls->addWidget(m_device, 2);
    controls->addWidget(new QLabel(tr("Threads:"), this));
    controls->addWidget(m_threads);
    controls->addWidget(new QLabel(tr("Timed runs:"), this));
    controls->addWidget(m_repeats);
    controls->addWidget(m_deploy);
    controls->addWidget(m_cancel);
    auto *progress = new QHBoxLayout;
    progress->addWidget(m_progress, 1);
    progress->addWidget(m_status, 2);

    m_latency->plotLayout()->insertRow(0);
    m_latencyTitle = new QCPTextElement(m_latency, tr("Latency per backend (median, p10–p90)"),
                                        QFont(font().family(), 10, QFont::Bold));
    m_latency->plotLayout()->addElement(0, 0, m_latencyTitle);
    m_latencyBars = new QCPBars(m_latency->yAxis, m_latency->xAxis); // horizontal bars
    m_latencyBars->setBrush(QColor(40, 90, 160, 140));
    m_latencyBars->setPen(QPen(QColor(40, 90, 160)));
    m_whiskers = new QCPErrorBars(m_latency->yAxis, m_latency->xAxis);
    m_whiskers->setDataPlottable(m_latencyBars);
    m_latency->xAxis->setLabel(tr("ms"));
    m_latency->xAxis->setScaleType(QCPAxis::stLogarithmic);
    m_latency->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    PlotExporter::addContextMenu(m_latency, tr("deploy-latency"));

    m_layers->plotLayout()->insertRow(0);
    m_layers->plotLayout()->addElement(
        0, 0, new QCPTextElement(m_layers, tr("Per-layer low-bit latency (weight bits: red ≤ 2, amber 3–4, blue ≥ 5)"),
                                 QFont(font().family(), 10, QFont::Bold)));
    m_layers->yAxis->setLabel(tr("ms"));
    // Differences span orders of magnitude (a float rounding, a code off by one): log scale.
    m_layers->yAxis2->setLabel(tr("◆ input Δ on the device (% of its max)"));
    m_layers->yAxis2->setScaleType(QCPAxis::stLogarithmic);
    m_layers->yAxis2->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_layers->xAxis->setTickLabelRotation(60);
    PlotExporter::addContextMenu(m_layers, tr("deploy-layers"));

    auto *plots = new QSplitter(Qt::Horizontal, this);
    plots->addWidget(m_latency);
    plots->addWidget(m_layers);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addLayout(progress);
    layout->addWidget(m_summary);
    layout->addWidget(plots, 1);

    connect(m_deploy, &QPushButton::clicked, this, &DeployView::deployRequested);
    connect(m_cancel, &QPushButton::clicked, this, &DeployView::cancelRequested);
    setDeployable(tr("Show a finished run to deploy it."));
}

QString DeployView::device() const { return m_device->currentText().trimmed(); }
void DeployView::setDevice(const QString &name) { m_device->setCurrentText(name); }

void DeployView::setSavedDevices(const QStringList &names)
{
    m_saved = names;
    listDevices();
}

void DeployView::setModelledDevices(const QStringList &names)
{
    m_modelled = names;
    listDevices();
}

void DeployView::listDevices()
{
    const QString current = device();
    m_device->clear();
    m_device->addItems({QStringLiteral("local"), QStringLiteral("emulated-arm64")});
    m_device->addItems(m_modelled);
    m_device->addItems(m_saved);
    if (m_saved.isEmpty())
        m_device->addItem(QStringLiteral("ssh://user@host"));
    m_device->setCurrentText(current);
}
int DeployView::threads() const { return m_threads->value(); }
int DeployView::repeats() const { return m_repeats->value(); }

void DeployView::setDeployable(const QString &why)
{
    m_blocked = why;
    m_deploy->setEnabled(why.isEmpty() && !m_cancel->isEnabled());
    if (!m_cancel->isEnabled())
        m_status->setText(why.isEmpty() ? tr("Ready: Deploy times the shown run on the device.")
                                        : why);
}

void DeployView::setRunning(bool running)
{
    m_cancel->setEnabled(running);
    m_deploy->setEnabled(!running && m_blocked.isEmpty());
    m_device->setEnabled(!running);
    if (!running)
        m_progress->setValue(0);
}

void DeployView::setProgress(double fraction, const QString &stage)
{
    m_progress->setValue(int(1000 * std::clamp(fraction, 0.0, 1.0)));
    m_status->setText(stage);
}

void DeployView::showError(const QString &message)
{
    m_status->setText(QStringLiteral("<span style='color:#b00020'>%1</span>").arg(message.toHtmlEscaped()));
}

void DeployView::showFigures(const DeployFigures &f)
{
    m_latencyTitle->setText(f.modelled
                                ? tr("Latency per backend (modelled, ± the model's error here)")
                                : tr("Latency per backend (median, p10–p90)"));
    // Latency per backend, slowest at the top.
    QVector<double> keys, medians;
    QVector<double> below, above;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    double lo = 1e9, hi = 0;
    for (size_t i = 0; i < f.backends.size(); ++i) {
        const auto &b = f.backends[i];
        keys.push_back(double(i));
        medians.push_back(1e3 * b.median);
        below.push_back(1e3 * (b.median - b.p10));
        above.push_back(1e3 * (b.p90 - b.median));
        ticker->addTick(double(i), b.kernel.isEmpty() ? b.name
                                                      : QStringLiteral("%1 (%2)").arg(b.name, b.kernel));
        lo = std::min(lo, 1e3 * b.p10);
        hi = std::max(hi, 1e3 * b.p90);
    }
    m_latencyBars->setData(keys, medians, true);
    m_whiskers->setData(below, above);
    m_latency->yAxis->setTicker(ticker);
    m_latency->yAxis->setRange(-0.6, double(f.backends.size()) - 0.4);
    m_latency->xAxis->setRange(std::max(1e-3, lo / 2), std::max(hi * 2, 1e-2));
    m_latency->replot();

    // Per-layer low-bit latency, one bar per op that has weights, coloured by its bits.
    m_layers->clearPlottables();
    const DeployFigures::Backend *low = nullptr;
    for (const auto &b : f.backends)
        if (b.name == QLatin1String("lowbit"))
            low = &b;
    m_layers->clearGraphs();
    QSharedPointer<QCPAxisTickerText> layerTicker(new QCPAxisTickerText);
    // Each layer's input difference (device against simulation) as a marker on the right axis,
    // so a layer where the device drifts stands out beside its time (drawn over the bars).
    QVector<double> driftKeys, driftPercent;
    double top = 0, driftTop = 0;
    int shown = 0;
    if (low)
        for (size_t i = 0; i < low->opSeconds.size() && i < f.opBits.size(); ++i) {
            if (f.opBits[i] == 0)
                continue;
            if (i < f.opInputDiff.size() && f.opInputDiff[i] >= 0) {
                // An exact match sits on the axis floor rather than at log(0).
                const double percent = std::max(100 * f.opInputDiff[i], kDriftFloor);
                driftKeys.push_back(shown);
                driftPercent.push_back(percent);
                driftTop = std::max(driftTop, percent);
            }
            auto *bar = new QCPBars(m_layers->xAxis, m_layers->yAxis);
            bar->setBrush(bitsColour(f.opBits[i]));
            bar->setPen(Qt::NoPen);
            bar->setName(tr("%1 bits").arg(f.opBits[i]));
            bar->addData(shown, 1e3 * low->opSeconds[i]);
            if (f.modelled && f.layerError > 0) { // a prediction: its typical error here
                auto *band = new QCPErrorBars(m_layers->xAxis, m_layers->yAxis);
                band->setDataPlottable(bar);
                band->setData(QVector<double>{1e3 * low->opSeconds[i] * f.layerError});
                band->removeFromLegend();
            }
            layerTicker->addTick(shown, i < size_t(f.opNames.size()) ? f.opNames[int(i)]
                                                                     : QString::number(i));
            top = std::max(top, 1e3 * low->opSeconds[i] *
                                    (f.modelled && f.layerError > 0 ? 1 + f.layerError : 1.0));
            ++shown;
        }
    m_layers->xAxis->setTicker(layerTicker);
    m_layers->xAxis->setRange(-0.6, std::max(1, shown) - 0.4);
    m_layers->yAxis->setRange(0, std::max(top * 1.15, 1e-3));
    auto *drift = m_layers->addGraph(m_layers->xAxis, m_layers->yAxis2);
    drift->setName(tr("input Δ"));
    drift->setLineStyle(QCPGraph::lsNone);
    drift->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(Qt::black, 1.5),
                                           QColor(255, 255, 255), 8));
    drift->setData(driftKeys, driftPercent, true);
    m_layers->yAxis2->setVisible(!driftKeys.isEmpty());
    m_layers->yAxis2->setRange(kDriftFloor / 2, std::max(driftTop * 10, 1.0));
    m_layers->replot();

    // The facts, the speedups (not for an emulator) and the agreement.
    QStringList lines;
    lines << tr("<b>%1</b>: %2 (%3; %4), %5 thread(s)%6, %7 timed runs")
                 .arg(f.device.toHtmlEscaped(), f.cpu.toHtmlEscaped(), f.cores.toHtmlEscaped(),
                      f.features.toHtmlEscaped())
                 .arg(f.threads)
                 .arg(f.pinned.isEmpty() ? QString()
                                         : tr(" pinned to core(s) %1").arg(f.pinned.toHtmlEscaped()))
                 .arg(f.repeats);
    const DeployFigures::Backend *int8 = nullptr, *fp32 = nullptr;
    for (const auto &b : f.backends) {
        if (b.name == QLatin1String("int8"))
            int8 = &b;
        if (b.name == QLatin1String("fp32"))
            fp32 = &b;
    }
    if (f.emulated)
        lines << tr("<b>Emulated</b>: qemu's timings, not an ARM core's — no speedup is shown.");
    else if (low && int8 && fp32 && low->median > 0)
        lines << tr("Low-bit: <b>%1×</b> the speed of XNNPACK int8, %2× of fp32 (%3)")
                     .arg(int8->median / low->median, 0, 'f', 2)
                     .arg(fp32->median / low->median, 0, 'f', 1)
                     .arg(f.modelled ? tr("modelled") : tr("medians"));
    if (f.modelled)
        lines << tr("<b>Modelled</b>: llvm-mca's prediction for one core, not a measurement; the "
                    "whiskers are the model's error on this machine's core (%1; per layer, the "
                    "median %2)")
                     .arg(f.modelCheck.toHtmlEscaped())
                     .arg(f.layerError < 0 ? tr("not checked")
                                           : QStringLiteral("±%1 %").arg(100 * f.layerError, 0,
                                                                          'f', 0));
    if (!f.modelledBeside.isEmpty())
        lines << tr("<b>Modelled beside this measurement</b>: %1")
                     .arg(f.modelledBeside.toHtmlEscaped());
    if (f.comparedImages > 0)
        lines << tr("Against the simulation on %1 test images: same class on %2 %, outputs "
                    "differ by at most %3 (largest output %4)")
                     .arg(f.comparedImages)
                     .arg(100.0 * f.agreement, 0, 'f', 2)
                     .arg(f.maxDiff, 0, 'g', 3)
                     .arg(f.maxOutput, 0, 'g', 3);
    if (f.layerImages > 0) {
        const auto worst = std::max_element(f.opInputDiff.begin(), f.opInputDiff.end());
        if (worst != f.opInputDiff.end() && *worst >= 0) {
            const int op = int(worst - f.opInputDiff.begin());
            lines << tr("Per layer (first %1 images): inputs differ by at most %2 % of their "
                        "largest value, at %3 (◆ in the per-layer chart)")
                         .arg(f.layerImages)
                         .arg(100 * *worst, 0, 'g', 3)
                         .arg(op < f.opNames.size() ? f.opNames[op].toHtmlEscaped()
                                                    : QString::number(op));
        }
    }
    for (const auto &w : f.warnings)
        lines << QStringLiteral("<span style='color:#a15c00'>⚠ %1</span>").arg(w.toHtmlEscaped());
    lines << tr("Stored with the run: %1").arg(f.storedAt.toHtmlEscaped());
    m_summary->setText(lines.join(QStringLiteral("<br>")));
    m_status->setText(tr("Done."));
}

QString DeployView::summaryText() const
{
    return m_summary->text();
}

int DeployView::backendBarCount() const
{
    return m_latencyBars->dataCount();
}

} // namespace quantscope::widgets
