// SPDX-License-Identifier: MIT
// TorchRuntime: the process-wide settings every entry point applies. LibTorch runs on every core;
// a large tensor freed and allocated again reuses its pages instead of faulting them in anew
// (what made BRECQ on ResNet-18 at 224x224 spend most of its time in the kernel), and those kept
// pages go back to the kernel when the program says so.
#include "torch_runtime.h"

#include <QTest>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

class TestTorchRuntime : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void usesEveryCore();
    void aFreedLargeTensorKeepsItsPages();
    void releasingReturnsTheKeptPages();
};

namespace {

long minorFaults()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

// Resident memory now, in MiB (ru_maxrss is the peak, which a release does not lower).
long residentMiB()
{
    long pages = 0, resident = 0;
    if (FILE *statm = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        std::fclose(statm);
    }
    return resident * sysconf(_SC_PAGESIZE) / (1024 * 1024);
}

constexpr int64_t kFloats = 64 * 1024 * 1024; // 256 MiB, as one ResNet-18 block's buffer at 224

} // namespace

void TestTorchRuntime::initTestCase()
{
    quantscope::TorchRuntime::configure();
}

void TestTorchRuntime::usesEveryCore()
{
    QCOMPARE(at::get_num_threads(), int(std::max(1u, std::thread::hardware_concurrency())));
}

void TestTorchRuntime::aFreedLargeTensorKeepsItsPages()
{
    if (!quantscope::TorchRuntime::keepsFreedPages())
        QSKIP("built without jemalloc: glibc maps blocks above 32 MiB afresh every time");
    const long pages = kFloats * 4 / 4096;
    torch::empty({kFloats}).fill_(1); // first use: faulted in, then freed
    const long before = minorFaults();
    const float max = torch::empty({kFloats}).fill_(2).max().item<float>();
    const long faults = minorFaults() - before;
    QCOMPARE(max, 2.0f);
    QVERIFY2(faults < pages / 20,
             qPrintable(QStringLiteral("%1 page faults for a block of %2 pages").arg(faults)
                            .arg(pages)));
}

void TestTorchRuntime::releasingReturnsTheKeptPages()
{
    quantscope::TorchRuntime::releaseFreedMemory(); // what earlier tests kept
    const long before = residentMiB();
    torch::empty({kFloats}).fill_(1);
    quantscope::TorchRuntime::releaseFreedMemory();
    const long after = residentMiB();
    QVERIFY2(after < before + 64, // the block's 256 MiB are not held
             qPrintable(QStringLiteral("resident %1 MiB before, %2 after").arg(before).arg(after)));
}

QTEST_GUILESS_MAIN(TestTorchRuntime)
#include "tst_torch_runtime.moc"
