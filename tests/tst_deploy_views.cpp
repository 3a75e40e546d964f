// SPDX-License-Identifier: MIT
// The deployment side of the workbench driven through its real widgets: export the shown run as
// a packed model (and fail cleanly on a damaged run or an unwritable folder), deploy it to this
// machine from the Deploy view (and to a device that is not there), and keep devices in the
// Devices panel: add, test, use and remove them.
#include "deploy_controller.h"
#include "deploy/device.h"
#include "deploy_view.h"
#include "devices_dock.h"
#include "devices_view.h"
#include "export_controller.h"
#include "format/qsm_reader.h"
#include "main_window.h"
#include "main_window_fixture.h"
#include "quantize_panel.h"
#include "store/workspace.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

using namespace quantscope;
using gui::MainWindow;

class TestDeployViews : public QObject, testing::MainWindowFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exportsThePackedModelOfTheShownRun();
    void deploysTheShownRunFromTheDeployView();
    void devicesPanelAddsTestsAndPicksDevices();
};

void TestDeployViews::initTestCase()
{
    setUpFixture();
}

void TestDeployViews::exportsThePackedModelOfTheShownRun()
{
    MainWindow window(m_workspace);
    window.show();
    gui::ExportController *exporter = window.exportController();
    // The scripted ResNet: the rank check its pooling makes at run time (aten::size, a
    // comparison, a guard that raises) is shape bookkeeping, left out of the packed graph.
    openFixture(window);
    window.quantizePanel()->setMethod(QStringLiteral("rtn"));
    window.quantizePanel()->setBits(2, 4);
    setSetting(window, "calib_images", QStringLiteral("32"));
    QCOMPARE(runToEnd(window), QStringLiteral("finished"));
    QVERIFY(exporter->action()->isEnabled());
    QSignalSpy done(exporter, &gui::ExportController::finished);
    const QString resnet = m_dir.filePath(QStringLiteral("resnet.qsm"));
    exporter->exportTo(resnet);
    QVERIFY(done.wait(30000));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
    QVERIFY(qsm::QsmReader::read(resnet.toStdString()).layers.size() >= 6);

    // A run whose stored model was damaged since: the export gives the reason and leaves no
    // file.
    const store::Workspace ws(m_workspace.toStdString());
    QFile artifact(QString::fromStdString(ws.run(window.shownRun()).artifact));
    QVERIFY(artifact.open(QIODevice::ReadWrite));
    QVERIFY(artifact.resize(artifact.size() / 2));
    artifact.close();
    const QString refused = m_dir.filePath(QStringLiteral("damaged.qsm"));
    exporter->exportTo(refused);
    QVERIFY(done.wait(30000));
    QCOMPARE(done.at(1).at(0).toBool(), false);
    QVERIFY(!done.at(1).at(1).toString().isEmpty());
    QVERIFY(!QFileInfo::exists(refused));
    QVERIFY2(window.statusText().contains(QStringLiteral("could not be exported")),
             qPrintable(window.statusText()));

    // A traced CNN exports; the file reads back with the run's layers at the run's bits, and
    // the action is disabled while the export runs.
    QVERIFY(window.openModel(QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_traced.pt")));
    QCOMPARE(runToEnd(window), QStringLiteral("finished"));
    const QString written = m_dir.filePath(QStringLiteral("cnn.qsm"));
    exporter->exportTo(written);
    QVERIFY(!exporter->action()->isEnabled());
    QVERIFY(done.wait(30000));
    QVERIFY2(done.at(2).at(0).toBool(), qPrintable(done.at(2).at(1).toString()));
    QVERIFY(exporter->action()->isEnabled());
    const auto model = qsm::QsmReader::read(written.toStdString());
    QVERIFY(model.layers.size() >= 3);
    QCOMPARE(int(model.layers[1].bits), 2);
    QVERIFY(window.statusText().contains(QStringLiteral("exported as a packed model")));

    // A folder that cannot be written: one line, nothing lost.
    exporter->exportTo(QStringLiteral("/nonexistent-folder/x.qsm"));
    QVERIFY(done.wait(30000));
    QCOMPARE(done.at(3).at(0).toBool(), false);
    QVERIFY(!done.at(3).at(1).toString().contains(QLatin1Char('\n')));
}

void TestDeployViews::deploysTheShownRunFromTheDeployView()
{
    MainWindow window(m_workspace);
    window.show();
    auto *view = window.deployView();
    QVERIFY(window.openModel(QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_traced.pt")));
    QVERIFY(window.openDataset(m_data));
    window.quantizePanel()->setMethod(QStringLiteral("rtn"));
    window.quantizePanel()->setBits(2, 4);
    setSetting(window, "calib_images", QStringLiteral("32"));
    QCOMPARE(runToEnd(window), QStringLiteral("finished"));
    window.setView(MainWindow::View::Deploy);
    QVERIFY(view->deployButton()->isEnabled());
    QCOMPARE(view->device(), QStringLiteral("local"));

    // Deploy to this machine by the button; the window keeps answering while it runs.
    QSignalSpy done(window.deployController(), &gui::DeployController::finished);
    QTest::mouseClick(view->deployButton(), Qt::LeftButton);
    QVERIFY(view->cancelButton()->isEnabled());
    QVERIFY(!view->deployButton()->isEnabled());
    QVERIFY(done.wait(60000));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
    QCOMPARE(view->backendBarCount(), 3);
    QVERIFY(view->summaryText().contains(QStringLiteral("Against the simulation")));
    QVERIFY(view->summaryText().contains(QStringLiteral("Per layer (first")));
    QVERIFY(view->summaryText().contains(QStringLiteral("the speed of XNNPACK int8")));
    QVERIFY(window.statusText().contains(QStringLiteral("timed on local")));

    // A device that is not there: one line in the view, the window as it was.
    view->findChild<QComboBox *>()->setEditText(QStringLiteral("ssh://nobody@127.0.0.1:1"));
    QTest::mouseClick(view->deployButton(), Qt::LeftButton);
    QVERIFY(done.wait(60000));
    QCOMPARE(done.at(1).at(0).toBool(), false);
    QVERIFY2(done.at(1).at(1).toString().contains(QStringLiteral("Connection refused")),
             qPrintable(done.at(1).at(1).toString()));
    QCOMPARE(view->backendBarCount(), 3); // the last figures stay

    // A modelled core, offered in the list: predictions, labelled so, with the check's band.
    auto *deviceBox = view->findChild<QComboBox *>();
    QVERIFY(deviceBox->findText(QStringLiteral("model:cortex-a55")) >= 0);
    const auto known = deploy::Device::known();
    const bool modelReady = std::any_of(known.begin(), known.end(), [](const auto &d) {
        return d.name == "model:cortex-a55" && d.ready;
    });
    if (!modelReady)
        return; // llvm-14 or the arm64 build missing: the CLI test of the job says why
    deviceBox->setCurrentText(QStringLiteral("model:cortex-a55"));
    QTest::mouseClick(view->deployButton(), Qt::LeftButton);
    QVERIFY(done.wait(60000));
    QVERIFY2(done.at(2).at(0).toBool(), qPrintable(done.at(2).at(1).toString()));
    QCOMPARE(view->backendBarCount(), 3);
    QVERIFY(view->summaryText().contains(QStringLiteral("<b>Modelled</b>")));
    QVERIFY(view->summaryText().contains(QStringLiteral("of fp32 (modelled)")));
}

void TestDeployViews::devicesPanelAddsTestsAndPicksDevices()
{
    MainWindow window(m_workspace);
    window.show();
    auto *panel = window.devicesDock()->view();
    auto *list = panel->list();
    auto rowNamed = [list](const QString &name) -> QTreeWidgetItem * {
        for (int i = 0; i < list->topLevelItemCount(); ++i)
            if (list->topLevelItem(i)->text(0) == name)
                return list->topLevelItem(i);
        return nullptr;
    };
    // Listed on a worker thread (adb may take a while): this machine and the emulated ARM one.
    QTRY_VERIFY_WITH_TIMEOUT(rowNamed(QStringLiteral("local")) != nullptr, 30000);
    QVERIFY(rowNamed(QStringLiteral("emulated-arm64")));
    QVERIFY(rowNamed(QStringLiteral("model:cortex-a76"))); // ready or not, with what it lacks
    QTRY_VERIFY_WITH_TIMEOUT(panel->testButton()->isEnabled(), 30000);

    // Not an address: said so, nothing kept.
    QTest::keyClicks(panel->hostEdit(), QStringLiteral("board.local"));
    QTest::mouseClick(panel->addButton(), Qt::LeftButton);
    QVERIFY(panel->messageText().contains(QStringLiteral("neither")));
    QVERIFY(!rowNamed(QStringLiteral("board.local")));

    // An SSH host: kept in the workspace and offered by the Deploy view.
    panel->hostEdit()->setText(QStringLiteral("ssh://nobody@127.0.0.1:1"));
    QTest::mouseClick(panel->addButton(), Qt::LeftButton);
    QCOMPARE(panel->stateOf(QStringLiteral("ssh://nobody@127.0.0.1:1")), QStringLiteral("untested"));
    auto *deviceBox = window.deployView()->findChild<QComboBox *>();
    QVERIFY(deviceBox->findText(QStringLiteral("ssh://nobody@127.0.0.1:1")) >= 0);

    // Its test fails in one line; the window answers meanwhile.
    QCOMPARE(panel->selectedDevice(), QStringLiteral("ssh://nobody@127.0.0.1:1"));
    QTest::mouseClick(panel->testButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(panel->testButton()->isEnabled(), 60000);
    QCOMPARE(panel->stateOf(QStringLiteral("ssh://nobody@127.0.0.1:1")), QStringLiteral("failed"));
    QVERIFY2(panel->messageText().contains(QStringLiteral("Connection refused")),
             qPrintable(panel->messageText()));

    // This machine's test: the agent goes there and says what the CPU is.
    panel->selectDevice(QStringLiteral("local"));
    QTest::mouseClick(panel->testButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(panel->testButton()->isEnabled(), 60000);
    QCOMPARE(panel->stateOf(QStringLiteral("local")), QStringLiteral("ready"));
    QVERIFY2(rowNamed(QStringLiteral("local"))->text(2).contains(QStringLiteral("x86_64")),
             qPrintable(rowNamed(QStringLiteral("local"))->text(2)));

    // Deploy here: the Deploy view takes the device and comes to the front.
    panel->selectDevice(QStringLiteral("emulated-arm64"));
    QTest::mouseClick(panel->useButton(), Qt::LeftButton);
    QCOMPARE(window.deployView()->device(), QStringLiteral("emulated-arm64"));
    QVERIFY(window.deployView()->isVisible());

    // Removed: gone from the panel, the Deploy view and the workspace.
    panel->selectDevice(QStringLiteral("ssh://nobody@127.0.0.1:1"));
    QVERIFY(panel->removeButton()->isEnabled());
    QTest::mouseClick(panel->removeButton(), Qt::LeftButton);
    QVERIFY(!rowNamed(QStringLiteral("ssh://nobody@127.0.0.1:1")));
    QCOMPARE(deviceBox->findText(QStringLiteral("ssh://nobody@127.0.0.1:1")), -1);
    panel->selectDevice(QStringLiteral("local"));
    QVERIFY(!panel->removeButton()->isEnabled()); // always offered
}

QTEST_MAIN(TestDeployViews)
#include "tst_deploy_views.moc"
