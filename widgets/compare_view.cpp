// SPDX-License-Identifier: MIT
#include "compare_view.h"

#include "label_placer.h"
#include "plot_exporter.h"
#include "plot_refresh.h"
#include "run_table_model.h"
#include "table_exporter.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QToolTip>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace quantscope::widgets {

namespace {
const QColor kMethodColors[] = {QColor(40, 90, 160), QColor(200, 60, 40), QColor(40, 140, 70),
                                QColor(150, 80, 170), QColor(210, 140, 20)};

QTableView *makeTable(QWidget *parent)
{
    auto *table = new QTableView(parent);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}
} // namespace

CompareView::CompareView(QWidget *parent)
    : QWidget(parent), m_runs(new RunTableModel(this)), m_sorted(new QSortFilterProxyModel(this)),
      m_runTable(makeTable(this)), m_plot(new QCustomPlot(this)), m_axis(new QComboBox(this)),
      m_pair(new QStandardItemModel(this)), m_pairTable(makeTable(this))
{
    m_sorted->setSourceModel(m_runs);
    m_sorted->setSortRole(RunTableModel::SortRole);
    m_runTable->setModel(m_sorted);
    m_runTable->setSortingEnabled(true);
    m_runTable->sortByColumn(RunTableModel::Id, Qt::DescendingOrder);
    m_runTable->setSelectionMode(QAbstractItemView::ExtendedSelection);
    connect(m_runTable->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CompareView::selectionChanged);
    connect(m_runTable, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT runActivated(index.data(RunTableModel::RunIdRole).toLongLong());
    });
    m_pairTable->setModel(m_pair);
    m_pairTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    TableExporter::addContextMenu(m_runTable, tr("runs"));
    TableExporter::addContextMenu(m_pairTable, tr("layer-comparison"));

    m_plot->xAxis->setLabel(tr("model size (KiB)"));
    m_plot->yAxis->setLabel(tr("top-1 accuracy (%)"));
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    PlotExporter::addContextMenu(m_plot, tr("accuracy-vs-size-or-latency"));
    connect(m_plot, &QCustomPlot::afterLayout, this, &CompareView::placeLabels);
    connect(m_plot, &QCustomPlot::mouseMove, this,
            [this](QMouseEvent *event) { showPointTip(event->position()); });

    auto *pairBox = new QWidget(this);
    auto *pairLayout = new QVBoxLayout(pairBox);
    pairLayout->setContentsMargins(0, 0, 0, 0);
    pairLayout->addWidget(new QLabel(tr("Select two runs above to compare them layer by layer."),
                                     pairBox));
    pairLayout->addWidget(m_pairTable);

    m_axis->addItem(tr("model size"), QString());
    m_axis->setToolTip(tr("Top-1 against the model size, or against the low-bit latency "
                          "measured on a device (Deploy)"));
    connect(m_axis, &QComboBox::currentIndexChanged, this, [this] { drawScatter(); });
    auto *plotBox = new QWidget(this);
    auto *plotLayout = new QVBoxLayout(plotBox);
    plotLayout->setContentsMargins(0, 0, 0, 0);
    auto *axisRow = new QHBoxLayout;
    axisRow->addWidget(new QLabel(tr("Top-1 against:"), plotBox));
    axisRow->addWidget(m_axis, 1);
    plotLayout->addLayout(axisRow);
    plotLayout->addWidget(m_plot, 1);

    auto *top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(m_runTable);
    top->addWidget(plotBox);
    top->setSizes({1100, 900});
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(pairBox);
    split->setSizes({1200, 800});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
    setPair({}, {}, {}, {});
}

void CompareView::setRuns(std::vector<store::RunRecord> runs)
{
    m_runs->setRuns(std::move(runs));
    m_runTable->resizeColumnsToContents();
    drawScatter();
}

void CompareView::setDeployments(std::map<int64_t, deploy::DeploymentSummary> shown,
                                 std::map<int64_t, std::vector<deploy::DeploymentSummary>> perDevice)
{
    m_runs->setDeployments(std::move(shown));
    m_runTable->resizeColumnToContents(RunTableModel::Latency);
    m_perDevice = std::move(perDevice);
    // The axis chooser offers every device a run was timed on; the choice survives a refresh.
    std::map<std::string, QString> devices; // name → how its times were got, if not measured
    for (const auto &[id, list] : m_perDevice)
        for (const auto &d : list)
            devices[d.device] = d.emulated   ? tr(" (emulated)")
                                : d.modelled ? tr(" (modelled)")
                                             : QString();
    const QString current = m_axis->currentData().toString();
    const QSignalBlocker block(m_axis);
    m_axis->clear();
    m_axis->addItem(tr("model size"), QString());
    for (const auto &[name, how] : devices)
        m_axis->addItem(tr("low-bit latency on %1%2").arg(QString::fromStdString(name), how),
                        QString::fromStdString(name));
    m_axis->setCurrentIndex(std::max(0, m_axis->findData(current)));
    drawScatter();
}

void CompareView::setPlotDevice(const QString &device)
{
    m_axis->setCurrentIndex(std::max(0, m_axis->findData(device)));
}

QStringList CompareView::plotDevices() const
{
    QStringList names;
    for (int i = 1; i < m_axis->count(); ++i)
        names << m_axis->itemData(i).toString();
    return names;
}

std::vector<int64_t> CompareView::paretoFront(const std::vector<store::RunRecord> &runs)
{
    std::vector<PlotPoint> points;
    for (const auto &r : runs)
        if (r.status == "finished" && r.sizeBytes > 0)
            points.push_back({r.id, double(r.sizeBytes), r.top1});
    return paretoFront(std::move(points));
}

std::vector<int64_t> CompareView::paretoFront(std::vector<PlotPoint> points)
{
    std::sort(points.begin(), points.end(), [](const auto &a, const auto &b) {
        return a.x != b.x ? a.x < b.x : a.top1 > b.top1;
    });
    std::vector<int64_t> front;
    double best = -1;
    for (const auto &p : points)
        if (p.top1 > best) {
            front.push_back(p.id);
            best = p.top1;
        }
    return front;
}

void CompareView::drawScatter()
{
    m_plot->clearGraphs();
    m_plot->clearItems();
    m_labels.clear();
    m_points.clear();
    const std::string device = m_axis->currentData().toString().toStdString();
    // A run's x: its size, or its low-bit latency on the chosen device (a run never timed there
    // is left out), with the device's int8 time beside it for the reference line.
    std::vector<double> int8Times;
    bool emulated = false, modelled = false;
    auto latencyOn = [&](int64_t id) -> const deploy::DeploymentSummary * {
        const auto it = m_perDevice.find(id);
        if (it == m_perDevice.end())
            return nullptr;
        for (const auto &d : it->second)
            if (d.device == device)
                return &d;
        return nullptr;
    };
    std::map<std::string, QCPGraph *> byMethod;
    for (const auto &r : m_runs->runs()) {
        if (r.status != "finished" || r.sizeBytes <= 0)
            continue;
        double x = r.sizeBytes / 1024.0;
        QString where = tr("%1 KiB").arg(x, 0, 'f', 1);
        if (!device.empty()) {
            const auto *timed = latencyOn(r.id);
            if (!timed)
                continue;
            x = 1e3 * timed->lowbit;
            where = tr("%1 ms on %2").arg(x, 0, 'f', 3).arg(QString::fromStdString(device));
            if (timed->int8 > 0)
                int8Times.push_back(1e3 * timed->int8);
            emulated = emulated || timed->emulated;
            modelled = modelled || timed->modelled;
        }
        m_points.push_back({r.id, x, r.top1});
        auto &graph = byMethod[r.method];
        if (!graph) {
            graph = m_plot->addGraph();
            const QColor color = kMethodColors[(byMethod.size() - 1) % std::size(kMethodColors)];
            graph->setName(QString::fromStdString(r.method));
            graph->setLineStyle(QCPGraph::lsNone);
            graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 8));
        }
        graph->addData(x, 100 * r.top1);
        const QString abits = r.abits >= 32 ? QStringLiteral("32") : QString::number(r.abits);
        auto *label = new QCPItemText(m_plot);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setText(QStringLiteral("#%1 W%2A%3").arg(r.id).arg(r.wbits).arg(abits));
        label->setFont(QFont(font().family(), 7));
        label->setClipToAxisRect(true);
        m_labels.push_back({{x, 100 * r.top1},
                            tr("#%1 %2 W%3A%4\ntop-1 %5 %, %6")
                                .arg(r.id)
                                .arg(QString::fromStdString(r.method))
                                .arg(r.wbits)
                                .arg(abits)
                                .arg(100 * r.top1, 0, 'f', 2)
                                .arg(where),
                            label});
    }
    auto *front = m_plot->addGraph();
    front->setName(tr("Pareto front"));
    front->setPen(QPen(QColor(90, 90, 90), 1.2, Qt::DashLine));
    for (int64_t id : paretoFront(m_points))
        for (const auto &p : m_points)
            if (p.id == id)
                front->addData(p.x, 100 * p.top1);
    if (device.empty())
        m_plot->xAxis->setLabel(tr("model size (KiB)"));
    else
        m_plot->xAxis->setLabel(
            tr("low-bit latency on %1 (ms, median)%2")
                .arg(QString::fromStdString(device),
                     emulated   ? tr(" — emulated: qemu's time, not an ARM core's")
                     : modelled ? tr(" — modelled: llvm-mca's prediction, not a measurement")
                                : QString()));
    m_plot->rescaleAxes();
    for (auto *axis : {m_plot->xAxis, m_plot->yAxis}) {
        const auto range = axis->range();
        const double pad = std::max(range.size() * 0.08, axis == m_plot->xAxis && !device.empty()
                                                             ? range.center() * 0.05
                                                             : 0.5);
        // Labels sit beside their points: leave them room on the x axis.
        axis->setRange(range.lower - (axis == m_plot->xAxis ? 2.5 * pad : pad),
                       range.upper + (axis == m_plot->xAxis ? 2.5 * pad : pad));
    }
    if (!int8Times.empty()) {
        // The baseline a user would otherwise ship, on the same device: a vertical line.
        std::nth_element(int8Times.begin(), int8Times.begin() + int8Times.size() / 2, int8Times.end());
        const double int8 = int8Times[int8Times.size() / 2];
        auto *line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(int8, 0);
        line->point2->setCoords(int8, 1);
        line->setPen(QPen(QColor(120, 120, 120), 1, Qt::DotLine));
        const auto range = m_plot->xAxis->range();
        m_plot->xAxis->setRange(std::min(range.lower, int8 * 0.95), std::max(range.upper, int8 * 1.05));
        // Beside the line, on the side with room.
        const bool left = int8 > m_plot->xAxis->range().center();
        auto *text = new QCPItemText(m_plot);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(int8, 0.02);
        text->setPositionAlignment((left ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignTop);
        text->setPadding(QMargins(4, 0, 4, 0));
        text->setText(tr("XNNPACK int8 %1 ms").arg(int8, 0, 'f', 3));
        text->setFont(QFont(font().family(), 7));
        text->setColor(QColor(90, 90, 90));
    }
    PlotRefresh::request(m_plot);
}

void CompareView::placeLabels()
{
    // Newest runs first: they are the ones a user is looking for.
    std::vector<size_t> order(m_labels.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = order.size() - 1 - i;
    std::vector<QPointF> points;
    std::vector<QSizeF> sizes;
    for (size_t i : order) {
        const auto &l = m_labels[i];
        points.emplace_back(m_plot->xAxis->coordToPixel(l.coords.x()),
                            m_plot->yAxis->coordToPixel(l.coords.y()));
        const QFontMetricsF metrics(l.item->font());
        sizes.emplace_back(metrics.horizontalAdvance(l.item->text()) + 2, metrics.height());
    }
    const auto placed = LabelPlacer::place(points, sizes, m_plot->axisRect()->rect());
    for (size_t k = 0; k < order.size(); ++k) {
        auto *item = m_labels[order[k]].item;
        item->setVisible(placed[k].has_value());
        if (placed[k])
            item->position->setPixelPosition(placed[k]->topLeft());
    }
}

std::vector<QRectF> CompareView::visibleLabelRects() const
{
    std::vector<QRectF> rects;
    for (const auto &l : m_labels) {
        if (!l.item->visible())
            continue;
        const QFontMetricsF metrics(l.item->font());
        rects.emplace_back(l.item->position->pixelPosition(),
                           QSizeF(metrics.horizontalAdvance(l.item->text()) + 2, metrics.height()));
    }
    return rects;
}

void CompareView::showPointTip(const QPointF &pixel)
{
    constexpr double kReach = 8; // pixels
    const PointLabel *nearest = nullptr;
    double best = kReach * kReach;
    for (const auto &l : m_labels) {
        const double dx = m_plot->xAxis->coordToPixel(l.coords.x()) - pixel.x();
        const double dy = m_plot->yAxis->coordToPixel(l.coords.y()) - pixel.y();
        if (dx * dx + dy * dy <= best) {
            best = dx * dx + dy * dy;
            nearest = &l;
        }
    }
    if (nearest)
        QToolTip::showText(m_plot->mapToGlobal(pixel.toPoint()), nearest->text, m_plot);
    else
        QToolTip::hideText();
}

void CompareView::selectRuns(const std::vector<int64_t> &ids)
{
    auto *selection = m_runTable->selectionModel();
    selection->clearSelection();
    for (int row = 0; row < m_sorted->rowCount(); ++row) {
        const auto index = m_sorted->index(row, 0);
        if (std::count(ids.begin(), ids.end(), index.data(RunTableModel::RunIdRole).toLongLong()))
            selection->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
}

void CompareView::selectionChanged()
{
    const auto rows = m_runTable->selectionModel()->selectedRows();
    if (rows.size() == 2)
        Q_EMIT pairSelected(rows[0].data(RunTableModel::RunIdRole).toLongLong(),
                            rows[1].data(RunTableModel::RunIdRole).toLongLong());
}

void CompareView::setPair(const store::RunRecord &a, const std::vector<store::LayerRecord> &layersA,
                          const store::RunRecord &b, const std::vector<store::LayerRecord> &layersB)
{
    m_pair->clear();
    auto name = [this](const store::RunRecord &r, const QString &none) {
        return r.id ? QStringLiteral("#%1 %2").arg(r.id).arg(QString::fromStdString(r.method)) : none;
    };
    const QString runA = name(a, tr("run A"));
    const QString runB = name(b, tr("run B"));
    m_pair->setHorizontalHeaderLabels({tr("Layer"), tr("W bits %1").arg(runA),
                                       tr("W bits %1").arg(runB), tr("SQNR %1 (dB)").arg(runA),
                                       tr("SQNR %1 (dB)").arg(runB)});
    std::map<std::string, const store::LayerRecord *> inB;
    for (const auto &l : layersB)
        inB[l.name] = &l;
    auto cell = [](const QString &text) {
        auto *item = new QStandardItem(text);
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        return item;
    };
    for (const auto &la : layersA) {
        const auto *lb = inB.count(la.name) ? inB[la.name] : nullptr;
        m_pair->appendRow({new QStandardItem(QString::fromStdString(la.name)),
                           cell(QString::number(la.wbits, 'g', 4)),
                           cell(lb ? QString::number(lb->wbits, 'g', 4) : QStringLiteral("–")),
                           cell(QString::number(la.sqnrDb, 'f', 1)),
                           cell(lb ? QString::number(lb->sqnrDb, 'f', 1) : QStringLiteral("–"))});
    }
    m_pairTable->resizeColumnsToContents();
}

} // namespace quantscope::widgets
