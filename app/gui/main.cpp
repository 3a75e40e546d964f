// SPDX-License-Identifier: MIT
// quantscope: the workbench GUI. With --screenshot it renders the window to a PNG and exits
// (docs, and checking the GUI under Xvfb).
#include "main_window.h"
#include "model/model_probe.h"
#include "run_view.h"
#include "torch_runtime.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>
#include <cstring>

namespace {

// --view NAME: the names in the order of MainWindow::View.
bool viewFromName(const QString &name, quantscope::gui::MainWindow::View *view)
{
    const QStringList names = {QStringLiteral("start"), QStringLiteral("model"),
                               QStringLiteral("run"), QStringLiteral("bits"),
                               QStringLiteral("compare"), QStringLiteral("deploy")};
    const int index = names.indexOf(name.toLower());
    if (index < 0)
        return false;
    *view = quantscope::gui::MainWindow::View(index);
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();
    // A copy of this program started to load a model first (ModelProbe) does only that.
    if (argc == 3 && std::strcmp(argv[1], quantscope::model::ModelProbe::kFlag) == 0)
        return quantscope::model::ModelProbe::childMain(argv[2]);

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationVersion(QStringLiteral(QUANTSCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("QuantScope: a workbench for low-bit "
                                                    "quantization of CNNs."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption open(QStringLiteral("open"), QStringLiteral("Open this model."),
                                  QStringLiteral("MODEL"));
    const QCommandLineOption data(QStringLiteral("data"), QStringLiteral("Open this dataset."),
                                  QStringLiteral("PATH"));
    const QCommandLineOption demo(QStringLiteral("demo"),
                                  QStringLiteral("Open the bundled demo model and Fashion-MNIST."));
    const QCommandLineOption workspace(QStringLiteral("workspace"),
                                       QStringLiteral("Use this workspace folder."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption view(QStringLiteral("view"),
                                  QStringLiteral("Show this view: start, model, run, bits, "
                                                 "compare or deploy."),
                                  QStringLiteral("NAME"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Render the window to this PNG and exit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Window size for --screenshot (default 1400x880)."),
                                  QStringLiteral("WxH"), QStringLiteral("1400x880"));
    const QCommandLineOption run(QStringLiteral("run"),
                                 QStringLiteral("Show this stored run of the workspace."),
                                 QStringLiteral("ID"));
    const QCommandLineOption layer(QStringLiteral("layer"),
                                   QStringLiteral("Select this layer (by name) in the model and "
                                                  "run views."),
                                   QStringLiteral("NAME"));
    const QCommandLineOption snapshot(QStringLiteral("snapshot"),
                                      QStringLiteral("Move the run view's timeline to snapshot N "
                                                     "of the layer (1 = the first; -1 = the "
                                                     "last, the default)."),
                                      QStringLiteral("N"));
    parser.addOptions({open, data, demo, workspace, view, run, layer, snapshot, screenshot, size});
    // What a file manager passes (the desktop entry's %f): a workspace (its folder or its
    // workspace.sqlite) opens as the workspace, anything else as a model.
    parser.addPositionalArgument(QStringLiteral("FILE"),
                                 QStringLiteral("A workspace (folder or workspace.sqlite) or a "
                                                "model to open."),
                                 QStringLiteral("[FILE]"));
    parser.process(app);
    QString workspaceDir = parser.value(workspace), positionalModel;
    if (!parser.positionalArguments().isEmpty()) {
        const QFileInfo file(parser.positionalArguments().constFirst());
        if (file.fileName() == QStringLiteral("workspace.sqlite"))
            workspaceDir = file.absolutePath();
        else if (file.isDir())
            workspaceDir = file.absoluteFilePath();
        else
            positionalModel = file.absoluteFilePath();
    }

    quantscope::gui::MainWindow::View startView = quantscope::gui::MainWindow::View::Start;
    if (parser.isSet(view) &&
        !viewFromName(parser.value(view), &startView)) {
        std::fprintf(stderr, "quantscope: unknown view '%s' (start, model, run, bits, compare, deploy)\n",
                     qPrintable(parser.value(view)));
        return 2;
    }

    quantscope::gui::MainWindow window(workspaceDir);
    window.setModelProbe(QCoreApplication::applicationFilePath());
    if (parser.isSet(screenshot)) {
        const auto dims = parser.value(size).split(QLatin1Char('x'));
        if (dims.size() == 2)
            window.resize(dims[0].toInt(), dims[1].toInt());
    }
    window.show();
    bool ok = true;
    if (parser.isSet(demo))
        ok = window.openDemo();
    if (ok && parser.isSet(open))
        ok = window.openModel(parser.value(open));
    if (ok && !positionalModel.isEmpty())
        ok = window.openModel(positionalModel);
    if (ok && parser.isSet(data))
        ok = window.openDataset(parser.value(data));
    if (ok && parser.isSet(run)) {
        window.showRun(parser.value(run).toLongLong());
        ok = window.lastError().isEmpty(); // an unknown id is reported by showRun
    }
    if (ok && parser.isSet(layer))
        ok = window.selectLayer(parser.value(layer));
    if (ok && parser.isSet(snapshot)) {
        const int n = parser.value(snapshot).toInt();
        window.runView()->moveTimeline(n > 0 ? n - 1 : n);
    }
    if (parser.isSet(view))
        window.setView(startView);

    if (parser.isSet(screenshot)) {
        if (!ok) {
            std::fprintf(stderr, "quantscope: %s\n", qPrintable(window.lastError()));
            return 2;
        }
        // Let queued replots and layouts settle before grabbing.
        QTimer::singleShot(300, &window, [&] {
            const QString file = parser.value(screenshot);
            if (!window.grab().save(file, "PNG")) {
                std::fprintf(stderr, "quantscope: could not write %s\n", qPrintable(file));
                QApplication::exit(1);
            } else {
                QApplication::exit(0);
            }
        });
    }
    return QApplication::exec();
}
