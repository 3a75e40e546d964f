// SPDX-License-Identifier: MIT
// quantscope-cli's contract as scripts see it: JSON on stdout and nothing else, the documented
// keys, exit 2 with a one-line reason on stderr for bad input.
#include "image_folder_fixture.h"
#include "synthetic_dataset.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void infoJson();
    void evalJson();
    void evalStatesItsInputs();
    void commandHelp_data();
    void commandHelp();
    void quantizeThenRuns();
    void interruptCancelsTheRun();
    void exportVerifyAndBench();
    void devicesListsAndTests();
    void badInput_data();
    void badInput();

private:
    struct Result
    {
        int code;
        QByteArray out;
        QByteArray err;
    };
    Result cli(const QStringList &args) const;
    Result quantizeRtn(const QString &workspace, const QString &model, int wbits, int abits) const
    {
        return cli({QStringLiteral("quantize"), model, QStringLiteral("--data"), m_data,
                    QStringLiteral("--method"), QStringLiteral("rtn"), QStringLiteral("--wbits"),
                    QString::number(wbits), QStringLiteral("--abits"), QString::number(abits),
                    QStringLiteral("--set"), QStringLiteral("calib_images=16"),
                    QStringLiteral("--workspace"), workspace, QStringLiteral("--json")});
    }
    QString fixture(const char *name) const
    {
        return QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/") + QLatin1String(name);
    }

    QTemporaryDir m_dir;
    QString m_data;
};

TestCli::Result TestCli::cli(const QStringList &args) const
{
    QProcess p;
    p.start(QStringLiteral(QUANTSCOPE_CLI), args);
    p.waitForFinished(60000);
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

void TestCli::initTestCase()
{
    m_data = m_dir.filePath(QStringLiteral("data"));
    quantscope::testing::writeIdx(m_data, 40, 30, 8, true);
}

void TestCli::infoJson()
{
    const auto r = cli({QStringLiteral("info"), fixture("tiny_resnet_scripted.pt"),
                        QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const auto j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j[QLatin1String("layers")].toArray().size(), 7);
    const auto first = j[QLatin1String("layers")].toArray()[0].toObject();
    QCOMPARE(first[QLatin1String("kind")].toString(), QStringLiteral("conv"));
    QCOMPARE(first[QLatin1String("params")].toInt(), 36);
    QCOMPARE(first[QLatin1String("weight_shape")].toArray().size(), 4);
    QVERIFY(first.contains(QLatin1String("groups")));
    QCOMPARE(j[QLatin1String("blocks")].toArray().size(), 4);
    QCOMPARE(j[QLatin1String("params")].toInt(), 1300);
    QVERIFY(j[QLatin1String("input")].isObject());
}

void TestCli::evalJson()
{
    const auto r = cli({QStringLiteral("eval"), fixture("tiny_cnn_traced.pt"),
                        QStringLiteral("--data"), m_data, QStringLiteral("--limit"),
                        QStringLiteral("20"), QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    QJsonParseError error;
    const auto j = QJsonDocument::fromJson(r.out, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError); // stdout is one JSON object
    QCOMPARE(j[QLatin1String("samples")].toInt(), 20);
    const double top1 = j[QLatin1String("top1")].toDouble();
    QVERIFY(top1 >= 0 && top1 <= j[QLatin1String("top5")].toDouble());
    QVERIFY(j[QLatin1String("loss")].toDouble() > 0);
}

void TestCli::evalStatesItsInputs()
{
    // A user's own traced model (no quantscope.json) on a folder of 28×28 PNGs: the size comes
    // from the images, the normalisation is computed, and a near-chance score is called out.
    const QString folder = m_dir.filePath(QStringLiteral("pngs"));
    quantscope::testing::writeImageFolder(folder, 10, 5, {{28, 28}});
    const QStringList args{QStringLiteral("eval"), fixture("tiny_cnn_no_metadata.pt"),
                           QStringLiteral("--data"), folder};
    const auto text = cli(args);
    QVERIFY2(text.code == 0, text.err.constData());
    QVERIFY2(text.out.contains("input 28x28 px (from the images); normalisation mean "),
             text.out.constData());
    QVERIFY2(text.out.contains("(computed on 40 training images)"), text.out.constData());
    QVERIFY2(text.err.contains("warning: the float model scores"), text.err.constData());
    QVERIFY2(text.err.contains("near chance"), text.err.constData());

    const auto json = cli(args + QStringList{QStringLiteral("--json")});
    QCOMPARE(json.code, 0);
    const auto input = QJsonDocument::fromJson(json.out).object()[QLatin1String("input")].toObject();
    QCOMPARE(input[QLatin1String("image_size")].toInt(), 28);
    QCOMPARE(input[QLatin1String("image_size_source")].toString(), QStringLiteral("from the images"));
    QCOMPARE(input[QLatin1String("mean")].toArray().size(), 1);
}

void TestCli::commandHelp_data()
{
    QTest::addColumn<QString>("command");
    for (const char *c : {"info", "eval", "train", "quantize", "runs", "demo", "export", "verify"})
        QTest::newRow(c) << QString::fromLatin1(c);
}

void TestCli::commandHelp()
{
    QFETCH(QString, command);
    const auto r = cli({command, QStringLiteral("--help")});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("quantscope-cli " + command.toLatin1() + " "), r.out.constData());
    for (const char *other : {"info", "eval", "train", "quantize", "runs", "demo", "export", "verify"})
        if (command != QLatin1String(other))
            QVERIFY2(!r.out.contains(QByteArray("quantscope-cli ") + other + " "), other);
}

void TestCli::quantizeThenRuns()
{
    const QString ws = m_dir.filePath(QStringLiteral("ws"));
    const auto r = quantizeRtn(ws, fixture("tiny_resnet_scripted.pt"), 3, 8);
    QVERIFY2(r.code == 0, r.err.constData());
    const auto j = QJsonDocument::fromJson(r.out).object();
    for (const char *key : {"run_id", "method", "wbits", "abits", "fp_top1", "top1", "top5",
                            "avg_wbits", "size_bytes", "fp_size_bytes", "seconds", "bops", "layers"})
        QVERIFY2(j.contains(QLatin1String(key)), key);
    QCOMPARE(j[QLatin1String("wbits")].toInt(), 3);
    const auto layer = j[QLatin1String("layers")].toArray()[1].toObject();
    for (const char *key : {"name", "wbits", "abits", "sqnr_db"})
        QVERIFY2(layer.contains(QLatin1String(key)), key);

    const int id = j[QLatin1String("run_id")].toInt();
    const auto list = cli({QStringLiteral("runs"), QStringLiteral("list"),
                           QStringLiteral("--workspace"), ws, QStringLiteral("--json")});
    QCOMPARE(list.code, 0);
    QCOMPARE(QJsonDocument::fromJson(list.out).object()[QLatin1String("runs")].toArray().size(), 1);
    const auto show = cli({QStringLiteral("runs"), QStringLiteral("show"), QString::number(id),
                           QStringLiteral("--workspace"), ws});
    QCOMPARE(show.code, 0);
    QVERIFY(show.out.contains("finished"));
}

// Ctrl-C ends a quantization as the GUI's Cancel does, not as a kill: exit 1 with "cancelled",
// and the workspace shows the run as cancelled (a killed run would read "interrupted").
void TestCli::interruptCancelsTheRun()
{
    const QString ws = m_dir.filePath(QStringLiteral("ws-interrupt"));
    QProcess p;
    p.start(QStringLiteral(QUANTSCOPE_CLI),
            {QStringLiteral("quantize"), fixture("tiny_resnet_scripted.pt"), QStringLiteral("--data"),
             m_data, QStringLiteral("--method"), QStringLiteral("brecq"), QStringLiteral("--wbits"),
             QStringLiteral("2"), QStringLiteral("--set"), QStringLiteral("iterations=1000000"),
             QStringLiteral("--set"), QStringLiteral("calib_images=16"),
             QStringLiteral("--workspace"), ws});
    QVERIFY(p.waitForStarted());
    // Interrupted once the reconstruction runs (its progress text is on stderr).
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("rounding"), 60000);
    QCOMPARE(::kill(pid_t(p.processId()), SIGINT), 0);
    QVERIFY(p.waitForFinished(30000));
    err += p.readAllStandardError();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 1);
    QVERIFY2(err.contains("quantize: cancelled"), err.constData());

    const auto show = cli({QStringLiteral("runs"), QStringLiteral("show"), QStringLiteral("1"),
                           QStringLiteral("--workspace"), ws});
    QCOMPARE(show.code, 0);
    QVERIFY2(show.out.contains("cancelled by the user"), show.out.constData());
}

void TestCli::exportVerifyAndBench()
{
    const QString ws = m_dir.filePath(QStringLiteral("ws-export"));
    const auto q = quantizeRtn(ws, fixture("tiny_cnn_traced.pt"), 2, 4);
    QVERIFY2(q.code == 0, q.err.constData());
    const QString id = QString::number(
        QJsonDocument::fromJson(q.out).object()[QLatin1String("run_id")].toInt());

    const QString qsm = m_dir.filePath(QStringLiteral("tiny.qsm"));
    const auto e = cli({QStringLiteral("export"), id, QStringLiteral("--out"), qsm,
                        QStringLiteral("--workspace"), ws});
    QVERIFY2(e.code == 0, e.err.constData());
    QVERIFY(QFileInfo(qsm).size() > 0);

    // The runtime against LibTorch: the simulated model's classes, and float to 1e-4.
    const auto v = cli({QStringLiteral("verify"), id, QStringLiteral("--json"),
                        QStringLiteral("--workspace"), ws});
    QVERIFY2(v.code == 0, v.err.constData());
    const auto r = QJsonDocument::fromJson(v.out).object();
    QVERIFY(r[QLatin1String("images")].toInt() > 0);
    QVERIFY2(r[QLatin1String("agreement")].toDouble() >= 0.95, v.out.constData());
    QVERIFY2(r[QLatin1String("fp32_max_rel_diff")].toDouble() < 1e-4, v.out.constData());
    QVERIFY(!r[QLatin1String("layers")].toArray().isEmpty());

    // The agent times the exported file on every backend and reports the same output for each.
    QProcess agent;
    agent.start(QStringLiteral(QUANTSCOPE_AGENT),
                {QStringLiteral("bench"), qsm, QStringLiteral("--repeats"), QStringLiteral("3"),
                 QStringLiteral("--json")});
    QVERIFY(agent.waitForFinished(60000));
    QVERIFY2(agent.exitCode() == 0, agent.readAllStandardError().constData());
    const auto b = QJsonDocument::fromJson(agent.readAllStandardOutput()).object();
    QVERIFY(b[QLatin1String("device")].toObject().contains(QLatin1String("features")));
    QStringList names;
    for (const auto &backend : b[QLatin1String("backends")].toArray()) {
        const auto o = backend.toObject();
        names << o[QLatin1String("backend")].toString();
        QVERIFY(o[QLatin1String("latency_s")].toObject()[QLatin1String("median")].toDouble() > 0);
        QCOMPARE(o[QLatin1String("output")].toArray().size(), 10);
    }
    QVERIFY2(names.contains(QLatin1String("lowbit")) && names.contains(QLatin1String("fp32")),
             qPrintable(names.join(QLatin1Char(','))));

    // A damaged file: one line, exit 1, no crash.
    QFile file(qsm);
    QVERIFY(file.open(QIODevice::ReadWrite));
    file.resize(file.size() / 2);
    file.close();
    agent.start(QStringLiteral(QUANTSCOPE_AGENT), {QStringLiteral("bench"), qsm});
    QVERIFY(agent.waitForFinished(60000));
    QCOMPARE(agent.exitCode(), 1);
    const auto message = agent.readAllStandardError();
    QVERIFY2(message.contains("truncated") || message.contains("damaged"), message.constData());
    QCOMPARE(message.count('\n'), 1);
}

void TestCli::devicesListsAndTests()
{
    const auto list = cli({QStringLiteral("devices"), QStringLiteral("--json")});
    QCOMPARE(list.code, 0);
    const auto devices = QJsonDocument::fromJson(list.out).array();
    QVERIFY(devices.size() >= 3);
    QCOMPARE(devices[0].toObject()[QStringLiteral("name")].toString(), QStringLiteral("local"));
    // A connection test: the agent goes there and says what the CPU is.
    const auto local = cli({QStringLiteral("devices"), QStringLiteral("--test"),
                            QStringLiteral("local"), QStringLiteral("--json")});
    QCOMPARE(local.code, 0);
    const auto info = QJsonDocument::fromJson(local.out).object()[QStringLiteral("info")].toObject();
    QVERIFY(!info[QStringLiteral("architecture")].toString().isEmpty());
    QVERIFY(info[QStringLiteral("cores")].toInt() >= 1);
    // A host that does not answer: one line, exit status 2.
    const auto refused = cli({QStringLiteral("devices"), QStringLiteral("--test"),
                              QStringLiteral("ssh://nobody@127.0.0.1:1")});
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.trimmed().count('\n') == 0 && refused.err.contains("Connection refused"),
             refused.err.constData());
}

void TestCli::badInput_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    const QString model = fixture("tiny_cnn_traced.pt");
    QTest::newRow("truncated model")
        << QStringList{QStringLiteral("info"), fixture("truncated.pt")} << "truncated.pt";
    QTest::newRow("not a dataset")
        << QStringList{QStringLiteral("eval"), model, QStringLiteral("--data"),
                       QStringLiteral(QUANTSCOPE_FIXTURE_DIR)}
        << "not a dataset";
    QTest::newRow("unknown method")
        << QStringList{QStringLiteral("quantize"), model, QStringLiteral("--data"),
                       QStringLiteral("/tmp"), QStringLiteral("--method"), QStringLiteral("x")}
        << "unknown method";
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("info"), model, QStringLiteral("--colour")}
        << "unknown option --colour";
    QTest::newRow("missing model") << QStringList{QStringLiteral("info")} << "missing MODEL";
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")}
                                     << "unknown command";
}

void TestCli::badInput()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const auto r = cli(args);
    QCOMPARE(r.code, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(QString::fromUtf8(r.err).contains(expected), r.err.constData());
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
