// SPDX-License-Identifier: MIT
// CompareView and the tables: the Pareto front of accuracy against size and against latency
// per device, the run table's
// numbers, selecting two runs, the side-by-side layer table, and CSV export with quoting.
#include "bit_allocation_view.h"
#include "compare_view.h"
#include "label_placer.h"
#include "run_table_model.h"
#include "table_exporter.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QSlider>
#include <QFile>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace quantscope;
using widgets::CompareView;

class TestCompareView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void paretoFront();
    void tableShowsRuns();
    void accuracyAgainstLatencyPerDevice();
    void twoSelectedRunsArePaired();
    void csvExport();
    void bitAllocationBars();
    void bitAllocationReplaysLearnedBits();
    void labelPlacerAvoidsOverlap();
    void pointLabelsDoNotPile();

private:
    static store::RunRecord run(int64_t id, const char *status, double top1, int64_t size)
    {
        store::RunRecord r;
        r.id = id;
        r.method = "rtn";
        r.wbits = 4;
        r.abits = 32;
        r.status = status;
        r.fpTop1 = 0.9;
        r.top1 = top1;
        r.sizeBytes = size;
        r.fpSizeBytes = 8 * size;
        r.avgWbits = 4;
        return r;
    }
    static std::vector<store::RunRecord> runs()
    {
        return {run(1, "finished", 0.80, 1000), run(2, "finished", 0.85, 2000),
                run(3, "finished", 0.82, 3000), // dominated by run 2
                run(4, "finished", 0.90, 4000), run(5, "failed", 0.0, 0),
                run(6, "finished", 0.85, 2000)}; // ties run 2: not strictly better
    }
};

void TestCompareView::paretoFront()
{
    QCOMPARE(CompareView::paretoFront(runs()), (std::vector<int64_t>{1, 2, 4}));
    QVERIFY(CompareView::paretoFront(std::vector<store::RunRecord>{}).empty());
}

void TestCompareView::tableShowsRuns()
{
    CompareView view;
    view.setRuns(runs());
    const auto *model = view.runModel();
    QCOMPARE(model->rowCount(), 6);
    QCOMPARE(model->index(0, widgets::RunTableModel::Top1).data().toString(), QStringLiteral("80.00"));
    QCOMPARE(model->index(0, widgets::RunTableModel::Drop).data().toString(), QStringLiteral("10.00"));
    QCOMPARE(model->index(4, widgets::RunTableModel::Top1).data().toString(), QStringLiteral("–"));
    QCOMPARE(model->index(0, widgets::RunTableModel::ABits).data().toString(), QStringLiteral("float"));

    // A run's latest deploy in the Low-bit latency column: the speedup for a real device, the
    // word "emulated" for qemu; runs never deployed show none.
    const int64_t first = model->runs()[0].id, second = model->runs()[1].id;
    deploy::DeploymentSummary device{"ssh://pi@board", false, "20261130T100000Z", 0.2, 0.004, 0.002, 1.0};
    deploy::DeploymentSummary emulated{"emulated-arm64", true, "20261130T100000Z", 0.2, 0.006, 0.009, 1.0};
    deploy::DeploymentSummary modelled{"model:cortex-a55", false, "20261130T100000Z", 0.2, 0.004,
                                       0.002, 1.0, true};
    view.setDeployments({{first, device}, {second, emulated}, {model->runs()[2].id, modelled}}, {});
    const auto latency = [&](int row) {
        return model->index(row, widgets::RunTableModel::Latency).data().toString();
    };
    QCOMPARE(latency(0), QStringLiteral("2.000 ms (2.00× int8) on ssh://pi@board"));
    QCOMPARE(latency(1), QStringLiteral("9.000 ms (emulated) on emulated-arm64"));
    QCOMPARE(latency(2), QStringLiteral("2.000 ms (2.00× int8, modelled) on model:cortex-a55"));
    QCOMPARE(latency(3), QStringLiteral("–"));

    // The device each run ran on, from its stored settings; runs from before the setting (or
    // with damaged settings) ran on the CPU.
    auto withDevices = runs();
    withDevices[1].configJson = R"({"device": "cuda:0", "epochs": 3})";
    withDevices[2].configJson = "{damaged";
    view.setRuns(withDevices);
    for (int row = 0; row < model->rowCount(); ++row) {
        const auto device = model->index(row, widgets::RunTableModel::Device).data().toString();
        QCOMPARE(device, model->runs()[size_t(row)].id == 2 ? QStringLiteral("cuda:0")
                                                            : QStringLiteral("cpu"));
    }
}

void TestCompareView::accuracyAgainstLatencyPerDevice()
{
    CompareView view;
    view.resize(900, 600);
    view.show();
    view.setRuns(runs());
    QCOMPARE(view.plotAxisChooser()->count(), 1); // nothing deployed: model size only
    QCOMPARE(view.plottedPoints().size(), size_t(5));

    // Runs 1–4 timed here (run 1 is slower and less accurate than run 3: off the front), runs
    // 2 and 4 on a board too, run 2 under qemu.
    auto timed = [](const char *device, bool emulated, double lowbitMs) {
        return deploy::DeploymentSummary{device, emulated, "20261130T100000Z", 0.05, 0.0025,
                                         lowbitMs / 1e3, 1.0};
    };
    std::map<int64_t, std::vector<deploy::DeploymentSummary>> perDevice{
        {1, {timed("local", false, 3.0)}},
        {2, {timed("local", false, 2.0), timed("ssh://pi@board", false, 20.0),
             timed("emulated-arm64", true, 90.0)}},
        {3, {timed("local", false, 1.0)}},
        {4, {timed("local", false, 4.0), timed("ssh://pi@board", false, 30.0)}}};
    auto predicted = timed("model:cortex-a76", false, 12.0);
    predicted.modelled = true;
    perDevice[3].push_back(predicted);
    view.setDeployments({}, perDevice);
    QCOMPARE(view.plotDevices(), (QStringList{QStringLiteral("emulated-arm64"), QStringLiteral("local"),
                                              QStringLiteral("model:cortex-a76"),
                                              QStringLiteral("ssh://pi@board")}));
    // A modelled core's latency is said to be a prediction, on the chooser and the axis.
    view.setPlotDevice(QStringLiteral("model:cortex-a76"));
    QVERIFY(view.plotAxisChooser()->currentText().contains(QStringLiteral("(modelled)")));
    QVERIFY(view.plot()->xAxis->label().contains(QStringLiteral("modelled: llvm-mca")));
    QCOMPARE(view.plottedPoints().size(), size_t(1));
    view.setPlotDevice(QString()); // back to the model size
    QCOMPARE(view.plottedFront(), (std::vector<int64_t>{1, 2, 4})); // still by size

    view.setPlotDevice(QStringLiteral("local"));
    QCOMPARE(view.plottedPoints().size(), size_t(4));
    QCOMPARE(view.plottedFront(), (std::vector<int64_t>{3, 2, 4}));
    QVERIFY(view.plot()->xAxis->label().contains(QStringLiteral("latency on local")));
    // The int8 baseline on that device is drawn as a line, inside the visible range.
    QVERIFY(view.plot()->xAxis->range().contains(2.5));

    view.setPlotDevice(QStringLiteral("ssh://pi@board"));
    QCOMPARE(view.plottedPoints().size(), size_t(2));
    QCOMPARE(view.plottedFront(), (std::vector<int64_t>{2, 4}));
    QCOMPARE(view.plottedPoints()[0].x, 20.0);

    // qemu's time is said to be qemu's.
    view.setPlotDevice(QStringLiteral("emulated-arm64"));
    QVERIFY(view.plot()->xAxis->label().contains(QStringLiteral("emulated")));
    // The choice survives a refresh of the deployments.
    view.setDeployments({}, perDevice);
    QCOMPARE(view.plotAxisChooser()->currentData().toString(), QStringLiteral("emulated-arm64"));
    QCOMPARE(view.plottedPoints().size(), size_t(1));

    QCOMPARE(CompareView::paretoFront(std::vector<CompareView::PlotPoint>{{7, 1.0, 0.5}, {8, 1.0, 0.6}}),
             (std::vector<int64_t>{8}));
}

void TestCompareView::twoSelectedRunsArePaired()
{
    CompareView view;
    view.setRuns(runs());
    QSignalSpy spy(&view, &CompareView::pairSelected);
    view.selectRuns({2, 4});
    QCOMPARE(spy.count(), 1);
    const auto ids = std::set<qint64>{spy[0][0].toLongLong(), spy[0][1].toLongLong()};
    QVERIFY((ids == std::set<qint64>{2, 4}));

    std::vector<store::LayerRecord> a = {{0, "conv1", "conv", 144, 8, 32, 40.0},
                                         {1, "fc", "linear", 640, 4, 32, 20.0}};
    auto b = a;
    b[1].wbits = 2;
    b[1].sqnrDb = 9.5;
    view.setPair(runs()[1], a, runs()[3], b);
    const auto *pair = view.pairModel();
    QCOMPARE(pair->rowCount(), 2);
    QCOMPARE(pair->columnCount(), 5);
    QCOMPARE(pair->index(1, 1).data().toString(), QStringLiteral("4"));
    QCOMPARE(pair->index(1, 2).data().toString(), QStringLiteral("2"));
    QCOMPARE(pair->index(1, 4).data().toString(), QStringLiteral("9.5"));
}

void TestCompareView::csvExport()
{
    QStandardItemModel model;
    model.setHorizontalHeaderLabels({QStringLiteral("name"), QStringLiteral("note")});
    model.appendRow({new QStandardItem(QStringLiteral("conv1")),
                     new QStandardItem(QStringLiteral("8 bits, first \"layer\""))});
    QCOMPARE(widgets::TableExporter::toCsv(model),
             QStringLiteral("name,note\nconv1,\"8 bits, first \"\"layer\"\"\"\n"));

    QTemporaryDir dir;
    CompareView view;
    view.setRuns(runs());
    const QString path = dir.filePath(QStringLiteral("runs.csv"));
    QVERIFY(widgets::TableExporter::saveCsv(*view.runModel(), path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 7);
    QVERIFY(lines[0].startsWith(QStringLiteral("Run,Method,W bits")));
    QVERIFY(lines[1].startsWith(QStringLiteral("#1,rtn,4,float,finished,80.00")));
    QString error;
    QVERIFY(!widgets::TableExporter::saveCsv(model, QStringLiteral("/nonexistent/dir/x.csv"), &error));
    QVERIFY(error.contains(QStringLiteral("/nonexistent/dir/x.csv")));
}

void TestCompareView::bitAllocationBars()
{
    widgets::BitAllocationView view;
    std::vector<store::LayerRecord> layers = {{0, "conv1", "conv", 144, 8, 32, 40.0},
                                              {1, "conv2", "conv", 2304, 2.5, 4, 12.0},
                                              {2, "fc", "linear", 640, 4, 32, 20.0}};
    view.setRun(runs()[0], layers);
    QCOMPARE(view.barCount(), 3);
    QCOMPARE(view.barHeight(1), 2.5);
    const QString tip = view.toolTipFor(1);
    QVERIFY(tip.contains(QStringLiteral("conv2")));
    QVERIFY(tip.contains(QStringLiteral("2304")));
    QVERIFY(tip.contains(QStringLiteral("2.5")));
    view.clear(QStringLiteral("none"));
    QCOMPARE(view.barCount(), 0);
}

void TestCompareView::bitAllocationReplaysLearnedBits()
{
    widgets::BitAllocationView view;
    // Live: a CPQ job's bits per layer arrive after each epoch (and once at the start).
    view.beginLive({QStringLiteral("conv1"), QStringLiteral("conv2"), QStringLiteral("fc")},
                   QStringLiteral("Running"));
    QCOMPARE(view.barCount(), 0);
    auto point = [](const char *layer, int epoch, double bits) {
        return jobs::MetricPoint{std::string("bits/") + layer, double(epoch), bits};
    };
    std::vector<jobs::MetricPoint> points;
    for (const auto &[epoch, bits] : std::vector<std::pair<int, double>>{{0, 8}, {1, 5}, {2, 3}})
        for (const char *layer : {"conv1", "conv2", "fc"})
            points.push_back(point(layer, epoch, std::string(layer) == "conv2" ? bits : 8.0));
    points.push_back({"train_loss", 3, 0.4}); // other series are not bits
    for (const auto &p : points)
        view.addMetric(p);
    QCOMPARE(view.epochCount(), 3);
    QCOMPARE(view.barCount(), 3);
    QCOMPARE(view.barHeight(1), 3.0); // follows the newest epoch
    QVERIFY(view.epochSlider()->isVisibleTo(&view));

    // Stored: the final allocation, and every epoch by the slider.
    std::vector<store::LayerRecord> layers = {{0, "conv1", "conv", 144, 8, 32, 40.0},
                                              {1, "conv2", "conv", 2304, 3, 4, 12.0},
                                              {2, "fc", "linear", 640, 8, 32, 20.0}};
    view.setRun(runs()[0], layers);
    view.setBitHistory(points);
    QCOMPARE(view.epochCount(), 3);
    QCOMPARE(view.epochSlider()->value(), 2);
    QCOMPARE(view.barHeight(1), 3.0);
    view.epochSlider()->setValue(1);
    QCOMPARE(view.barHeight(1), 5.0);
    QVERIFY(view.toolTipFor(1).contains(QStringLiteral("weight bits: 5")));
    view.showEpoch(0);
    QCOMPARE(view.barHeight(1), 8.0);
    // A run without learned bits: no slider.
    view.setRun(runs()[0], layers);
    view.setBitHistory({});
    QVERIFY(!view.epochSlider()->isVisibleTo(&view));
    QCOMPARE(view.barHeight(1), 3.0);
}

void TestCompareView::labelPlacerAvoidsOverlap()
{
    // Three points on top of each other and one far away, labels 40×10 px.
    const std::vector<QPointF> points{{100, 100}, {101, 100}, {100, 101}, {300, 200}};
    const std::vector<QSizeF> sizes(4, QSizeF(40, 10));
    const auto placed = widgets::LabelPlacer::place(points, sizes, QRectF(0, 0, 400, 300));
    std::vector<QRectF> shown;
    for (const auto &p : placed)
        if (p)
            shown.push_back(*p);
    QVERIFY(shown.size() >= 3); // the crowd gets its corners, the loner its label
    QVERIFY(placed[3].has_value());
    for (size_t i = 0; i < shown.size(); ++i)
        for (size_t j = i + 1; j < shown.size(); ++j)
            QVERIFY(!shown[i].intersects(shown[j]));
    // Nothing is placed outside the plot.
    const auto edge = widgets::LabelPlacer::place({{395, 5}}, {QSizeF(40, 10)}, QRectF(0, 0, 400, 300));
    QVERIFY(edge[0] && QRectF(0, 0, 400, 300).contains(*edge[0]));
}

void TestCompareView::pointLabelsDoNotPile()
{
    // Twelve runs of nearly the same size and accuracy, as repeated short runs give.
    std::vector<store::RunRecord> crowd;
    for (int i = 0; i < 12; ++i)
        crowd.push_back(run(i + 1, "finished", 0.85 + 0.0002 * i, 2000 + i));
    crowd.push_back(run(20, "finished", 0.60, 9000));
    CompareView view;
    view.resize(900, 700);
    view.show();
    view.setRuns(crowd);
    view.plot()->replot();
    const auto rects = view.visibleLabelRects();
    QVERIFY(!rects.empty());
    QVERIFY(rects.size() < 13); // no room for all: the rest show on hover
    for (size_t i = 0; i < rects.size(); ++i)
        for (size_t j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects[i].intersects(rects[j]), qPrintable(QStringLiteral("%1 and %2").arg(i).arg(j)));
}

QTEST_MAIN(TestCompareView)
#include "tst_compare_view.moc"
