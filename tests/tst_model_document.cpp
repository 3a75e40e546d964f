// SPDX-License-Identifier: MIT
// ModelDocument with a model probe: each model is loaded by a child process first, so a file
// that crashes LibTorch's loader cannot take the window with it. The real probe (the GUI
// program itself) opens a good model and refuses a truncated one with the loader's reason; a
// probe that dies as a crashing loader would gives "crashed"; the open model stays.
#include "model_document.h"

#include "error.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using quantscope::gui::ModelDocument;

class TestModelDocument : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void probedModelsOpenOrGiveTheChildsReason();
    void modelThatCrashesTheLoaderCannotCrashTheWindow();

private:
    // The reason openModel refuses `path` with; "" when it opens.
    static QString openError(ModelDocument &document, const QString &path)
    {
        try {
            document.openModel(path);
        } catch (const quantscope::Error &e) {
            return QString::fromStdString(e.what());
        }
        return {};
    }

    QTemporaryDir m_dir;
};

void TestModelDocument::probedModelsOpenOrGiveTheChildsReason()
{
    ModelDocument document;
    document.setModelProbe(QStringLiteral(QUANTSCOPE_GUI));
    const QString good = QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/tiny_resnet_scripted.pt");
    QCOMPARE(openError(document, good), QString());
    QCOMPARE(document.layerRows().size(), size_t(7));
    const QString error =
        openError(document, QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/truncated.pt"));
    QVERIFY2(error.contains(QStringLiteral("not a readable TorchScript model")), qPrintable(error));
    QVERIFY(document.modelPath().endsWith(QStringLiteral("tiny_resnet_scripted.pt")));
}

void TestModelDocument::modelThatCrashesTheLoaderCannotCrashTheWindow()
{
    ModelDocument document;
    document.openModel(QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/tiny_resnet_scripted.pt"));
    // A file on which loading crashes: here a probe that dies as LibTorch's loader would.
    const QString crashing = m_dir.filePath(QStringLiteral("segfaulting-probe.sh"));
    QFile script(crashing);
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write("#!/bin/sh\nkill -SEGV $$\n");
    script.close();
    script.setPermissions(script.permissions() | QFileDevice::ExeOwner);
    document.setModelProbe(crashing);
    const QString error =
        openError(document, QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_traced.pt"));
    QVERIFY2(error.contains(QStringLiteral("crashed")), qPrintable(error));
    QCOMPARE(document.layerRows().size(), size_t(7)); // the open model stays
}

QTEST_MAIN(TestModelDocument)
#include "tst_model_document.moc"
