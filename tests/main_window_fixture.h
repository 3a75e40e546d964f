// SPDX-License-Identifier: MIT
// MainWindowFixture: what the window's test classes share — a temporary folder for the settings,
// the workspace and an IDX dataset, the tiny fixture model, and the steps a user takes in the
// Quantize panel (open the inputs, set a setting, press Run and wait for the end).
#pragma once

#include "job_queue.h"
#include "main_window.h"
#include "parameter_form.h"
#include "quantize_panel.h"
#include "synthetic_dataset.h"

#include <QCoreApplication>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

namespace quantscope::testing {

class MainWindowFixture
{
protected:
    // From initTestCase: the settings stay in the temporary folder, never the user's.
    void setUpFixture()
    {
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                           m_dir.filePath("settings"));
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTest"));
        m_workspace = m_dir.filePath(QStringLiteral("ws"));
        m_data = m_dir.filePath(QStringLiteral("data"));
        writeIdx(m_data, 256, 40, 8, true);
    }

    void openFixture(gui::MainWindow &window)
    {
        QVERIFY(window.openModel(m_model));
        QVERIFY(window.openDataset(m_data));
    }

    void setSetting(gui::MainWindow &window, const char *key, const QString &value)
    {
        QWidget *editor = window.quantizePanel()->form()->editor(key);
        QVERIFY2(editor, key);
        if (auto *spin = qobject_cast<QSpinBox *>(editor))
            spin->setValue(value.toInt());
        else
            qobject_cast<QLineEdit *>(editor)->setText(value);
    }

    // Starts the panel's current settings and waits for the run to end; returns its status.
    QString runToEnd(gui::MainWindow &window, int timeoutMs = 60000)
    {
        QSignalSpy finished(window.jobQueue(), &gui::JobQueue::jobFinished);
        QTest::mouseClick(window.quantizePanel()->runButton(), Qt::LeftButton);
        if (!finished.wait(timeoutMs))
            return QStringLiteral("timeout");
        return finished[0][1].toString();
    }

    QTemporaryDir m_dir;
    QString m_workspace;
    QString m_data;
    const QString m_model = QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/tiny_resnet_scripted.pt");
};

} // namespace quantscope::testing
