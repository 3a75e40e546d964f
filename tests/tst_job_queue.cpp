// SPDX-License-Identifier: MIT
// JobQueue: jobs run one after another on a worker thread, in the order queued; their progress,
// snapshots and metric points arrive as queued signals on the GUI thread; a job that fails on
// bad input reports why without a run; cancelling the running job keeps the queue going, and
// cancelling all empties it. The scripts/sanitize thread run checks its threading.
#include "job_queue.h"
#include "synthetic_dataset.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using quantscope::gui::JobQueue;

class TestJobQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void runsJobsInOrderAndReportsOnTheGuiThread();
    void badInputFailsWithoutARun();
    void cancelCurrentKeepsTheQueueGoing();
    void cancelAllEmptiesTheQueue();
    void destroyedWhileRunningWaitsForTheWorker();

private:
    quantscope::jobs::QuantizeRequest request(const std::string &method = "rtn") const
    {
        quantscope::jobs::QuantizeRequest r;
        r.modelPath = QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_traced.pt";
        r.dataPath = m_dir.filePath(QStringLiteral("data")).toStdString();
        r.method = method;
        r.wbits = 4;
        r.abits = 4;
        r.settings = {{"calib_images", "16"}};
        if (method == "dsq")
            r.settings.insert({{"epochs", "50"}, {"snapshot_every", "1"}});
        r.workspaceDir = m_dir.filePath(QStringLiteral("ws")).toStdString();
        return r;
    }
    // Waits for `count` jobFinished signals; their (run id, status, message) rows.
    static bool waitFinished(QSignalSpy &finished, int count)
    {
        return QTest::qWaitFor([&] { return finished.size() >= count; }, 120000);
    }

    QTemporaryDir m_dir;
};

void TestJobQueue::initTestCase()
{
    quantscope::testing::writeIdx(m_dir.filePath(QStringLiteral("data")), 48, 24, 8, false);
}

void TestJobQueue::runsJobsInOrderAndReportsOnTheGuiThread()
{
    JobQueue queue;
    QSignalSpy started(&queue, &JobQueue::jobStarted), finished(&queue, &JobQueue::jobFinished),
        recorded(&queue, &JobQueue::runRecorded);
    QThread *gui = QThread::currentThread();
    int wrongThread = 0, snapshots = 0;
    connect(&queue, &JobQueue::snapshot, this, [&] {
        ++snapshots;
        wrongThread += QThread::currentThread() != gui;
    });
    connect(&queue, &JobQueue::progress, this,
            [&] { wrongThread += QThread::currentThread() != gui; });
    auto first = request(), second = request();
    second.wbits = 2;
    queue.enqueue(first);
    queue.enqueue(second);
    QVERIFY(queue.isBusy());
    QCOMPARE(queue.pendingCount(), 1);
    QVERIFY(waitFinished(finished, 2));
    QCOMPARE(started.size(), 2);
    QVERIFY(started.at(0).at(0).toString().contains(QStringLiteral("W4")));
    QVERIFY(started.at(1).at(0).toString().contains(QStringLiteral("W2")));
    for (const auto &f : finished) {
        QCOMPARE(f.at(1).toString(), QStringLiteral("finished"));
        QVERIFY(f.at(0).toLongLong() > 0);
    }
    QVERIFY(finished.at(0).at(0).toLongLong() < finished.at(1).at(0).toLongLong());
    QCOMPARE(recorded.size(), 2);
    QVERIFY(snapshots > 0);
    QCOMPARE(wrongThread, 0);
    QVERIFY(!queue.isBusy());
}

void TestJobQueue::badInputFailsWithoutARun()
{
    JobQueue queue;
    QSignalSpy finished(&queue, &JobQueue::jobFinished);
    auto bad = request();
    bad.modelPath = QUANTSCOPE_FIXTURE_DIR "/truncated.pt";
    queue.enqueue(bad);
    queue.enqueue(request()); // the next one still runs
    QVERIFY(waitFinished(finished, 2));
    QCOMPARE(finished.at(0).at(0).toLongLong(), 0);
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("failed"));
    QVERIFY(finished.at(0).at(2).toString().contains(QStringLiteral("truncated.pt")));
    QCOMPARE(finished.at(1).at(1).toString(), QStringLiteral("finished"));
}

void TestJobQueue::cancelCurrentKeepsTheQueueGoing()
{
    JobQueue queue;
    QSignalSpy finished(&queue, &JobQueue::jobFinished), recorded(&queue, &JobQueue::runRecorded);
    queue.enqueue(request("dsq"));
    queue.enqueue(request());
    QVERIFY(QTest::qWaitFor([&] { return !recorded.isEmpty(); }, 60000));
    queue.cancelCurrent();
    QVERIFY(waitFinished(finished, 2));
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("cancelled"));
    QVERIFY(finished.at(0).at(0).toLongLong() > 0); // the cancelled run is kept
    QCOMPARE(finished.at(1).at(1).toString(), QStringLiteral("finished"));
}

void TestJobQueue::cancelAllEmptiesTheQueue()
{
    JobQueue queue;
    QSignalSpy finished(&queue, &JobQueue::jobFinished), changed(&queue, &JobQueue::queueChanged);
    queue.enqueue(request("dsq"));
    queue.enqueue(request());
    queue.enqueue(request());
    QCOMPARE(queue.pendingCount(), 2);
    queue.cancelAll();
    QCOMPARE(queue.pendingCount(), 0);
    QCOMPARE(changed.last().at(0).toInt(), 0);
    QVERIFY(waitFinished(finished, 1));
    QTest::qWait(200);
    QCOMPARE(finished.size(), 1); // nothing queued ran
    QVERIFY(!queue.isBusy());
}

void TestJobQueue::destroyedWhileRunningWaitsForTheWorker()
{
    QSignalSpy *recorded = nullptr;
    {
        JobQueue queue;
        QSignalSpy spy(&queue, &JobQueue::runRecorded);
        recorded = &spy;
        queue.enqueue(request("dsq"));
        QVERIFY(QTest::qWaitFor([&] { return !recorded->isEmpty(); }, 60000));
    } // cancels and joins: no thread outlives the queue (a crash or a TSan report if it did)
    QVERIFY(true);
}

QTEST_MAIN(TestJobQueue)
#include "tst_job_queue.moc"
