// SPDX-License-Identifier: MIT
// DeployJob on every device the tests can reach: this machine, the aarch64 agent under qemu,
// and a real sshd on localhost — with the refusals a user meets (an unknown host key, a key the
// host does not accept, a port nobody answers, an agent killed mid-run) each one line, and the
// device's working folder gone afterwards. Plus Process, the runner under all of them.
#include "deploy/adb_device.h"
#include "deploy/deployment_records.h"
#include "deploy/device.h"
#include "deploy/process.h"
#include "deploy/saved_devices.h"
#include "deploy/ssh_device.h"
#include "engine/xnnpack_executor.h"
#include "format/model_builder.h"
#include "kernels/cpu_features.h"
#include "error.h"
#include "jobs/deploy_job.h"
#include "jobs/quantize_job.h"
#include "ssh_server.h"
#include "synthetic_dataset.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace quantscope;

namespace {

// fp32, int8 and lowbit; a build without XNNPACK has no int8 (the agent says why).
size_t timedBackends()
{
    return runtime::XnnpackExecutor::available() ? 3 : 2;
}

} // namespace

class TestDeployJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void processTimesOutAndQuotes();
    void deploysToThisMachine();
    void deploysToEmulatedArm64();
    void deploysThroughSsh();
    void deploysToAModelledCore();
    void aRealCoreOfAModelledKindIsModelledBeside();
    void sshRefusalsAreOneLine_data();
    void sshRefusalsAreOneLine();
    void agentKilledMidRunIsReported_data();
    void agentKilledMidRunIsReported();
    void cancelStopsTheRemoteAgent();
    void adbWithoutAPhone();
    void deploysThroughAdb();
    void savedDevicesKeepTheRecentOnes();
    void unknownDeviceIsBadInput();

private:
    jobs::DeployReport deploy(const std::string &device, std::vector<std::string> sshOptions = {},
                              int repeats = 3, int images = 16);
    QStringList workingFolders() const; // the devices' private folders now in /tmp

    QTemporaryDir m_dir;
    QString m_workspace;
    int64_t m_run = 0;
    testing::SshServer m_ssh;
    bool m_sshUp = false;
};

void TestDeployJob::initTestCase()
{
    const QString data = m_dir.filePath(QStringLiteral("data"));
    testing::writeIdx(data, 40, 30, 8, true);
    m_workspace = m_dir.filePath(QStringLiteral("ws"));
    jobs::QuantizeRequest q;
    q.modelPath = QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_traced.pt";
    q.dataPath = data.toStdString();
    q.method = "rtn";
    q.wbits = 2;
    q.abits = 4;
    q.settings["calib_images"] = "16";
    q.workspaceDir = m_workspace.toStdString();
    jobs::QuantizeJob job(q);
    jobs::JobContext context;
    job.run(context);
    m_run = job.runId();
    QVERIFY(m_run > 0);
    m_sshUp = m_ssh.start();
    if (!m_sshUp)
        qWarning("no sshd for the ssh tests: %s", qPrintable(m_ssh.why()));
}

jobs::DeployReport TestDeployJob::deploy(const std::string &device,
                                         std::vector<std::string> sshOptions, int repeats,
                                         int images)
{
    jobs::DeployRequest r;
    r.runId = m_run;
    r.workspaceDir = m_workspace.toStdString();
    r.device = device;
    r.sshOptions = std::move(sshOptions);
    r.warmup = 1;
    r.repeats = repeats;
    r.images = images;
    jobs::DeployJob job(r);
    jobs::JobContext context;
    job.run(context);
    return job.report();
}

QStringList TestDeployJob::workingFolders() const
{
    return QDir(QDir::tempPath())
        .entryList({QStringLiteral("quantscope.*"), QStringLiteral("quantscope-device.*")},
                   QDir::Dirs);
}

void TestDeployJob::processTimesOutAndQuotes()
{
    using namespace std::chrono;
    QElapsedTimer timer;
    timer.start();
    const auto slow = deploy::Process::run({"sleep", "30"}, milliseconds(300));
    QVERIFY(slow.timedOut);
    QVERIFY(timer.elapsed() < 5000); // stopped, not waited for
    std::atomic<bool> cancel{false};
    std::thread canceller([&] {
        std::this_thread::sleep_for(milliseconds(200));
        cancel = true;
    });
    const auto cancelled = deploy::Process::run({"sleep", "30"}, seconds(30), [&] { return cancel.load(); });
    canceller.join();
    QVERIFY(cancelled.cancelled);
    const auto missing = deploy::Process::run({"no-such-program-qs"}, seconds(5));
    QCOMPARE(missing.exitCode, 127);
    // A hostile argument stays one argument through a shell.
    const std::string hostile = "a b'; touch /tmp/qs-pwned; echo '$(id)";
    const auto echoed =
        deploy::Process::run({"sh", "-c", "printf %s " + deploy::Process::shellQuote(hostile)},
                             seconds(5));
    QCOMPARE(echoed.out, hostile);
    QVERIFY(!QFileInfo::exists(QStringLiteral("/tmp/qs-pwned")));
    // A failure's last line as ssh writes it ("…\r\n"): the line, without the carriage return.
    const auto failed = deploy::Process::run(
        {"sh", "-c", "printf 'first\\r\\nConnection refused\\r\\n\\r\\n' >&2; exit 255"},
        seconds(5));
    QCOMPARE(failed.lastLine(), std::string("Connection refused"));
}

void TestDeployJob::deploysToThisMachine()
{
    const auto before = workingFolders();
    const auto r = deploy("local");
    QCOMPARE(r.device, std::string("local"));
    QVERIFY(!r.facts.emulated);
    QCOMPARE(r.backends.size(), timedBackends());
    if (!runtime::XnnpackExecutor::available())
        QVERIFY(!r.warnings.empty() && r.warnings[0].find("no XNNPACK") != std::string::npos);
    for (const auto &b : r.backends) {
        QVERIFY(b.min > 0 && b.min <= b.median && b.median <= b.max);
        QVERIFY(!b.opMedianSeconds.empty());
    }
    QVERIFY(!r.backend("lowbit")->kernel.empty());
    // The device's outputs on the test images are the simulation's.
    QCOMPARE(r.comparedImages, int64_t(16));
    QVERIFY(r.agreement >= 0.95);
    QVERIFY(r.maxLogitDiff < 1e-3 * std::max(1.0, r.maxLogit));
    // And so is every layer's input, on the first images: each layer compared, none drifting.
    QCOMPARE(r.layerImages, int64_t(4));
    QVERIFY(r.layers.size() >= 2);
    for (const auto &l : r.layers) {
        QVERIFY2(l.maxAbs > 0, l.name.c_str());
        QVERIFY2(l.maxAbsDiff <= 1e-3 * l.maxAbs, l.name.c_str());
    }
    QCOMPARE(std::count(r.opLayer.begin(), r.opLayer.end(), -1) + int(r.layers.size()),
             long(r.opLayer.size()));
    QVERIFY(QFileInfo::exists(QString::fromStdString(r.storedAt)));
    QVERIFY(QString::fromStdString(r.storedAt).contains(QStringLiteral("/deployments/")));
    QCOMPARE(workingFolders(), before); // nothing left in /tmp
    // Read back as the Compare view reads it.
    const auto stored = deploy::DeploymentRecords::forRun(m_workspace.toStdString(), m_run);
    QVERIFY(!stored.empty());
    deploy::DeploymentSummary latest;
    QVERIFY(deploy::DeploymentRecords::latest(stored, &latest));
    QCOMPARE(latest.device, std::string("local"));
    QCOMPARE(latest.lowbit, r.backend("lowbit")->median);
    QCOMPARE(latest.agreement, r.agreement);
}

void TestDeployJob::deploysToEmulatedArm64()
{
    // scripts/test builds the aarch64 agent and installs qemu; a headless GPU server has neither.
    for (const auto &entry : deploy::Device::known())
        if (entry.name == "emulated-arm64" && !entry.ready)
            QSKIP(entry.detail.c_str());
    const auto r = deploy("emulated-arm64", {}, 1, 8);
    QVERIFY(r.facts.emulated);
    QCOMPARE(r.comparedImages, int64_t(8)); // the ARM build computes what the simulation does
    QVERIFY(r.agreement >= 0.95);
    QCOMPARE(r.layerImages, int64_t(4));
    for (const auto &l : r.layers)
        QVERIFY2(l.maxAbsDiff <= 1e-3 * l.maxAbs, l.name.c_str());
    QCOMPARE(r.facts.architecture, std::string("aarch64"));
    QVERIFY(r.backend("lowbit")->kernel.rfind("neon", 0) == 0);
    QVERIFY(!r.warnings.empty() && r.warnings[0].find("emulated") != std::string::npos);
}

void TestDeployJob::deploysThroughSsh()
{
    if (!m_sshUp)
        QSKIP("no sshd");
    const auto before = workingFolders();
    const auto r = deploy("ssh://qs-test", {"-F", m_ssh.clientConfig(QStringLiteral("ok")).toStdString()});
    QCOMPARE(r.device, std::string("ssh://qs-test"));
    QCOMPARE(r.backends.size(), timedBackends());
    QVERIFY(r.backend("lowbit")->median > 0);
    if (runtime::XnnpackExecutor::available())
        QVERIFY(r.backend("int8")->median > 0);
    QCOMPARE(r.comparedImages, int64_t(16));
    QCOMPARE(workingFolders(), before); // the remote folder was removed
}

void TestDeployJob::deploysToAModelledCore()
{
    for (const auto &entry : deploy::Device::known())
        if (entry.name == "model:cortex-a55" && !entry.ready)
            QSKIP(entry.detail.c_str());
    const auto before = workingFolders();
    const auto r = deploy("model:cortex-a55", {}, 3, 8);
    QVERIFY(r.facts.modelled && !r.facts.emulated);
    QCOMPARE(r.facts.architecture, std::string("aarch64"));
    QVERIFY(r.facts.cpu.find("Cortex-A55") != std::string::npos);
    // Every backend predicted, the loops named, per op as the packed model has them.
    QCOMPARE(r.backends.size(), size_t(3));
    QCOMPARE(r.backend("lowbit")->kernel, std::string("neon-dot"));
    QVERIFY(r.backend("int8")->kernel.find("neondot_cortex_a55") != std::string::npos);
    for (const auto &b : r.backends) {
        QVERIFY(b.median > 0);
        QCOMPARE(b.opMedianSeconds.size(), r.opKinds.size());
        double sum = 0;
        for (double s : b.opMedianSeconds)
            sum += s;
        QVERIFY(std::abs(sum - b.median) <= 1e-9 * b.median);
    }
    QVERIFY(r.modelled.contains("kernels") && r.modelled.contains("check"));
    // Labelled a prediction, and checked against this machine where its kernel is modelled.
    QVERIFY(std::any_of(r.warnings.begin(), r.warnings.end(), [](const std::string &w) {
        return w.rfind("modelled", 0) == 0;
    }));
    if (runtime::CpuFeatures::detected().avx512vnni)
        QVERIFY(r.backend("lowbit")->modelError >= 0);
    // The outputs still come from real kernels (this machine's agent): the simulation's.
    QCOMPARE(r.comparedImages, int64_t(8));
    QVERIFY(r.agreement >= 0.95);
    QCOMPARE(workingFolders(), before);
    // Stored as modelled: shown after a measurement, never as one.
    const auto stored = deploy::DeploymentRecords::forRun(m_workspace.toStdString(), m_run);
    QVERIFY(std::any_of(stored.begin(), stored.end(), [](const deploy::DeploymentSummary &s) {
        return s.device == "model:cortex-a55" && s.modelled && s.lowbit > 0;
    }));
}

void TestDeployJob::aRealCoreOfAModelledKindIsModelledBeside()
{
    for (const auto &entry : deploy::Device::known())
        if (entry.name == "model:cortex-a76" && !entry.ready)
            QSKIP(entry.detail.c_str());
    // A Pi 5 as its agent describes it, and what it measured for a conv and its ReLU.
    qsm::ModelBuilder b(8, 16, 16);
    const auto packed = b.build(b.relu(b.conv(qsm::ModelBuilder::kInput, 32, 3, 1, 1, 1, {4, 4})));
    jobs::DeployReport report;
    report.threads = 1;
    report.backends.push_back({"lowbit", "neon-dot", 0, 0, 2.1e-4, 0, 0, 0, {2e-4, 1e-5}});
    report.facts.coreTypes = std::vector<std::string>(4, "Cortex-A76");
    report.facts.maxFrequencyKhz = std::vector<long>(4, 2400000);
    const auto beside = jobs::DeployJob::modelBeside(report, packed);
    QVERIFY(beside.is_object());
    QCOMPARE(beside["core"].get<std::string>(), std::string("cortex-a76"));
    QCOMPARE(beside["clock_ghz"].get<double>(), 2.4);
    QCOMPARE(beside["backends"].size(), size_t(1));
    QCOMPARE(beside["backends"][0]["measured_s"].get<double>(), 2.1e-4);
    QVERIFY(beside["backends"][0]["modelled_s"].get<double>() > 0);

    // big.LITTLE timed on every core: no one core to model. Pinned to the big ones: those.
    report.facts.coreTypes = {"Cortex-A55", "Cortex-A55", "Cortex-A76", "Cortex-A76"};
    QVERIFY(jobs::DeployJob::modelBeside(report, packed).is_null());
    report.pinnedCoreTypes = "Cortex-A76";
    QVERIFY(jobs::DeployJob::modelBeside(report, packed).is_object());
    // A core no model covers, and this machine: nothing beside them.
    report.pinnedCoreTypes = "Cortex-X4";
    QVERIFY(jobs::DeployJob::modelBeside(report, packed).is_null());
    QVERIFY(report.warnings.empty());
}

void TestDeployJob::sshRefusalsAreOneLine_data()
{
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("reason");
    if (!m_sshUp)
        return;
    QTest::newRow("unknown host key")
        << m_ssh.clientConfig(QStringLiteral("unknown"), true, false)
        << QStringLiteral("Host key verification failed");
    QTest::newRow("key not accepted")
        << m_ssh.clientConfig(QStringLiteral("stranger"), false, true)
        << QStringLiteral("Permission denied");
    QTest::newRow("nobody answers")
        << m_ssh.clientConfig(QStringLiteral("closed"), true, true,
                              testing::SshServer::freePort())
        << QStringLiteral("Connection refused");
}

void TestDeployJob::sshRefusalsAreOneLine()
{
    if (!m_sshUp)
        QSKIP("no sshd");
    QFETCH(QString, config);
    QFETCH(QString, reason);
    try {
        deploy("ssh://qs-test", {"-F", config.toStdString()});
        QFAIL("the deploy went through");
    } catch (const Error &e) {
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.startsWith(QStringLiteral("ssh://qs-test: ")), qPrintable(message));
        QVERIFY2(message.contains(reason), qPrintable(message));
        QVERIFY(!message.contains(QLatin1Char('\n')));
    }
}

void TestDeployJob::agentKilledMidRunIsReported_data()
{
    QTest::addColumn<QString>("device");
    QTest::newRow("local") << QStringLiteral("local");
    QTest::newRow("ssh") << QStringLiteral("ssh://qs-test");
}

void TestDeployJob::agentKilledMidRunIsReported()
{
    QFETCH(QString, device);
    if (device.startsWith(QStringLiteral("ssh")) && !m_sshUp)
        QSKIP("no sshd");
    // A long timing run, and its agent killed from outside once it is running.
    std::atomic<bool> done{false};
    std::thread killer([&] {
        for (int i = 0; i < 200 && !done; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            // Anchored: the agent itself, not the shell or ssh whose command lines name it.
            if (deploy::Process::run({"pkill", "-9", "-f", "^/tmp/quantscope[^ ]*/quantscope-agent bench"},
                                     std::chrono::seconds(5))
                    .exitCode == 0)
                return;
        }
    });
    try {
        deploy(device.toStdString(), {"-F", m_ssh.clientConfig(QStringLiteral("ok")).toStdString()},
               100000, 0);
        done = true;
        killer.join();
        QFAIL("the killed agent's deploy succeeded");
    } catch (const Error &e) {
        done = true;
        killer.join();
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.contains(QStringLiteral("crashed")) &&
                     message.contains(QStringLiteral("signal 9")),
                 qPrintable(message));
    }
}

void TestDeployJob::cancelStopsTheRemoteAgent()
{
    if (!m_sshUp)
        QSKIP("no sshd");
    const auto agentRunning = [] {
        return deploy::Process::run({"pgrep", "-f", "^/tmp/quantscope[^ ]*/quantscope-agent bench"},
                                    std::chrono::seconds(5))
                   .exitCode == 0;
    };
    jobs::DeployRequest r;
    r.runId = m_run;
    r.workspaceDir = m_workspace.toStdString();
    r.device = "ssh://qs-test";
    r.sshOptions = {"-F", m_ssh.clientConfig(QStringLiteral("ok")).toStdString()};
    r.repeats = 100000;
    r.images = 0;
    jobs::DeployJob job(r);
    jobs::JobContext context;
    std::thread canceller([&] {
        for (int i = 0; i < 200 && !agentRunning(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        context.cancel();
    });
    QElapsedTimer timer;
    timer.start();
    QVERIFY_THROWS_EXCEPTION(Cancelled, job.run(context));
    canceller.join();
    QVERIFY(timer.elapsed() < 30000);
    QVERIFY(!agentRunning()); // stopped on the host, not left timing
}

void TestDeployJob::adbWithoutAPhone()
{
    const auto phones = deploy::AdbDevice::parseDeviceList(
        "* daemon started successfully\nList of devices attached\n"
        "R58M123ABC     device usb:1-1 product:a52q model:SM_A525F device:a52q transport_id:1\n"
        "emulator-5554  unauthorized transport_id:2\n\n");
    QCOMPARE(phones.size(), size_t(2));
    QCOMPARE(phones[0].serial, std::string("R58M123ABC"));
    QCOMPARE(phones[0].model, std::string("SM_A525F"));
    QCOMPARE(phones[1].state, std::string("unauthorized"));
    // adb missing: said so, by name of the package.
    const QByteArray path = qgetenv("PATH");
    qputenv("PATH", m_dir.path().toUtf8());
    try {
        deploy::AdbDevice device("adb");
        QFAIL("an AdbDevice without adb");
    } catch (const Error &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("Debian package adb")), e.what());
    }
    qputenv("PATH", path);
}

void TestDeployJob::deploysThroughAdb()
{
    // A stand-in adb on PATH: one attached phone whose "shell" and "push" act on this machine,
    // /data/local/tmp mapped to a temporary folder — the AdbDevice's own command lines, quoting
    // and steps, end to end.
    QTemporaryDir bin, phone;
    QFile fake(bin.filePath(QStringLiteral("adb")));
    QVERIFY(fake.open(QIODevice::WriteOnly));
    fake.write(QStringLiteral(
                   "#!/bin/bash\nroot=%1\n"
                   "if [ \"$1\" = devices ]; then printf 'List of devices attached\\n"
                   "FAKE01 device product:x model:Fake_Phone\\n\\n'; exit 0; fi\n"
                   "[ \"$1 $2\" = \"-s FAKE01\" ] || { echo \"adb: device '$2' not found\" >&2; exit 1; }\n"
                   "case \"$3\" in\n"
                   "  shell) cmd=\"${4//\\/data\\/local\\/tmp/$root}\"\n"
                   "    case \"$4\" in mktemp*) sh -c \"$cmd\" | sed \"s#$root#/data/local/tmp#\"; exit ;; esac\n"
                   "    exec sh -c \"$cmd\" ;;\n"
                   "  push) [ -z \"$QS_PHONE_FULL\" ] || { echo \"adb: error: failed to copy '$4' to "
                   "'$5': remote couldn't create file: No space left on device\" >&2; exit 1; }\n"
                   "    exec cp \"$4\" \"${5//\\/data\\/local\\/tmp/$root}\" ;;\n"
                   "esac\nexit 1\n")
                   .arg(phone.path())
                   .toUtf8());
    fake.close();
    fake.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const QByteArray path = qgetenv("PATH");
    qputenv("PATH", bin.path().toUtf8() + ":" + path);
    try {
        const auto r = deploy("adb");
        QCOMPARE(r.device, std::string("adb:FAKE01"));
        QCOMPARE(r.backends.size(), timedBackends());
        QCOMPARE(r.comparedImages, int64_t(16));
        QVERIFY(QDir(phone.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty());
        QVERIFY_THROWS_EXCEPTION(Error, deploy("adb:OTHER"));
        // A phone out of space: one line that says so, and its working folder removed.
        qputenv("QS_PHONE_FULL", "1");
        try {
            deploy("adb");
            QFAIL("a deploy to a full phone");
        } catch (const Error &e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(QStringLiteral("No space left on device")) &&
                         !message.contains(QLatin1Char('\n')),
                     e.what());
        }
        qunsetenv("QS_PHONE_FULL");
        QVERIFY(QDir(phone.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty());
    } catch (const std::exception &e) {
        qputenv("PATH", path);
        QFAIL(e.what());
    }
    qputenv("PATH", path);
}

void TestDeployJob::savedDevicesKeepTheRecentOnes()
{
    const std::string ws = m_dir.filePath(QStringLiteral("saved")).toStdString();
    QDir().mkpath(QString::fromStdString(ws));
    QVERIFY(deploy::SavedDevices::load(ws).empty());
    deploy::SavedDevices::remember(ws, "ssh://pi@board");
    deploy::SavedDevices::remember(ws, "local"); // always offered: not kept
    deploy::SavedDevices::remember(ws, "model:cortex-a55");
    deploy::SavedDevices::remember(ws, "adb:R58M");
    deploy::SavedDevices::remember(ws, "ssh://pi@board");
    QCOMPARE(deploy::SavedDevices::load(ws),
             (std::vector<std::string>{"ssh://pi@board", "adb:R58M"}));
    QFile damaged(QString::fromStdString(ws) + QStringLiteral("/devices.json"));
    QVERIFY(damaged.open(QIODevice::WriteOnly | QIODevice::Truncate));
    damaged.write("{\"recent\": [\"ssh://x\", 3");
    damaged.close();
    QVERIFY(deploy::SavedDevices::load(ws).empty()); // a damaged file offers nothing, no crash
}

void TestDeployJob::unknownDeviceIsBadInput()
{
    QVERIFY_THROWS_EXCEPTION(Error, deploy("toaster"));
    QVERIFY_THROWS_EXCEPTION(Error, deploy("ssh://-oProxyCommand=x"));
    try {
        deploy("model:cortex-a99");
        QFAIL("an unknown core was accepted");
    } catch (const Error &e) {
        QVERIFY(std::string(e.what()).find("model:cortex-a53|") != std::string::npos);
    }
}

QTEST_GUILESS_MAIN(TestDeployJob)
#include "tst_deploy_job.moc"
