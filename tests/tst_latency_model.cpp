// SPDX-License-Identifier: MIT
// The modelled ARM cores: the hot loop cut out of a disassembly, its MACs counted from its
// instructions, llvm-mca's summary read, and a layer's predicted time from its padded work —
// then, where llvm-14 and the arm64 build are here, the real loops of our agent and XNNPACK.
#include "deploy/agent_files.h"
#include "deploy/kernel_loop.h"
#include "deploy/latency_model.h"
#include "deploy/loop_cycles.h"
#include "deploy/model_check.h"
#include "deploy/process.h"
#include "error.h"

#include "format/model_builder.h"

#include <QTest>

#include <filesystem>

using namespace quantscope;
using namespace quantscope::deploy;

class TestLatencyModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void macsAreCountedPerInstruction();
    void theInnermostLoopWithTheMostProductsIsTaken();
    void anUnconditionalJumpBackIsNoLoop();
    void codeWithoutAProductLoopIsRefused();
    void mcaSummaryGivesCyclesPerIteration();
    void aLayerCostsItsPaddedWorkAndItsBytes();
    void aBitSerialKernelTakesTheLayersItServesWhereFaster();
    void aDepthwiseConvCostsItsMacsAtTheDepthwiseLoopsRate();
    void theCheckComparesEndToEndAndPerLayer();
    void realLoopsOfTheArmBuild();
};

void TestLatencyModel::macsAreCountedPerInstruction()
{
    QCOMPARE(KernelLoop::macs("sdot", "v5.4s, v8.16b, v0.4b[3]"), 16.0);
    QCOMPARE(KernelLoop::macs("smlal2", "v16.4s, v0.8h, v4.h[7]"), 4.0);
    QCOMPARE(KernelLoop::macs("smull", "v2.8h, v0.8b, v1.8b"), 8.0);
    QCOMPARE(KernelLoop::macs("fmadd", "s0, s1, s2, s0"), 1.0);
    QCOMPARE(KernelLoop::macs("mul", "x9, x10, x11"), 0.0); // an address, not a product
    QCOMPARE(KernelLoop::macs("ldr", "q2, [x9, x1]"), 0.0);
    QCOMPARE(KernelLoop::macs("vpdpbusd", "%zmm1, %zmm2, %zmm3"), 64.0);
    QCOMPARE(KernelLoop::macs("vpdpbusd", "%ymm1, %ymm2, %ymm3"), 32.0);
    QCOMPARE(KernelLoop::macs("vmulps", "%ymm1, %ymm2, %ymm3"), 8.0);
    QCOMPARE(KernelLoop::macs("mulsd", "%xmm1, %xmm0"), 1.0);
    // Popcounts count one-bit products; the model divides by W·A for a bit-serial loop.
    QCOMPARE(KernelLoop::macs("cnt", "v8.16b, v8.16b"), 128.0);
    QCOMPARE(KernelLoop::macs("vpopcntq", "%zmm1, %zmm2"), 512.0);
}

namespace {
// Two functions' worth of llvm-objdump text: an outer loop holding an inner loop of two sdots,
// a second innermost loop with one, a forward branch inside the hot one.
const char *kDisassembly = R"(
0000000000001000 <kernel>:
    1000:      	mov	x8, #0
    1004:      	ldr	q0, [x0]
    1008:      	sdot	v1.4s, v2.16b, v0.4b[0]
    100c:      	b.eq	0x1020 <kernel+0x20>
    1010:      	sdot	v3.4s, v2.16b, v0.4b[1]
    1014:      	subs	x1, x1, #16
    1018:      	b.ne	0x1004 <kernel+0x4>
    101c:      	b.hi	0x1000 <kernel>
    1020:      	ret

0000000000002000 <other>:
    2000:      	sdot	v1.4s, v2.16b, v0.4b[0]
    2004:      	b.ne	0x2000 <other>
)";
} // namespace

void TestLatencyModel::theInnermostLoopWithTheMostProductsIsTaken()
{
    const auto loop = KernelLoop::fromDisassembly(kDisassembly, "kernel");
    QCOMPARE(loop.macsPerIteration, 32.0);
    QCOMPARE(loop.functionAddress, 0x1000ul);
    QCOMPARE(loop.address, 0x1004ul);
    QCOMPARE(int(loop.instructions.size()), 6); // 0x1004 … 0x1018, not the outer loop's head
    QCOMPARE(QString::fromStdString(loop.instructions.front()), QStringLiteral("ldr\tq0, [x0]"));
    // Branches inside name the loop's label, which the assembly defines.
    QCOMPARE(QString::fromStdString(loop.instructions[2]), QStringLiteral("b.eq\t.Lloop"));
    QCOMPARE(QString::fromStdString(loop.instructions.back()), QStringLiteral("b.ne\t.Lloop"));
    QVERIFY(loop.assembly().rfind(".Lloop:\n", 0) == 0);
}

void TestLatencyModel::anUnconditionalJumpBackIsNoLoop()
{
    // A kernel whose loop may run zero times: that path zeroes the sums further down and jumps
    // back to the epilogue, whose fmlas (more products than the loop's) are no loop.
    const char *jumper = R"(
0000000000001000 <jumper>:
    1000:      	cbz	x2, 0x1020 <jumper+0x20>
    1004:      	smlal	v1.4s, v2.4h, v0.4h
    1008:      	subs	x2, x2, #1
    100c:      	b.ne	0x1004 <jumper+0x4>
    1010:      	fmla	v1.4s, v3.4s, v4.4s
    1014:      	fmla	v5.4s, v3.4s, v4.4s
    1018:      	fmla	v6.4s, v3.4s, v4.4s
    101c:      	ret
    1020:      	movi	v1.4s, #0
    1024:      	b	0x1010 <jumper+0x10>
)";
    const auto loop = KernelLoop::fromDisassembly(jumper, "jumper");
    QCOMPARE(loop.address, 0x1004ul);
    QCOMPARE(loop.macsPerIteration, 4.0);
}

void TestLatencyModel::codeWithoutAProductLoopIsRefused()
{
    const char *straight = "0000000000001000 <f>:\n    1000:      \tldr\tq0, [x0]\n"
                           "    1004:      \tret\n";
    try {
        KernelLoop::fromDisassembly(straight, "f");
        QFAIL("a function without a loop was accepted");
    } catch (const Error &e) {
        QVERIFY(std::string(e.what()).find("no loop") != std::string::npos);
    }
}

void TestLatencyModel::mcaSummaryGivesCyclesPerIteration()
{
    const std::string summary = "Iterations:        500\nInstructions:      45000\n"
                                "Total Cycles:      74505\nTotal uOps:        45000\n";
    QCOMPARE(LoopCycles::parse(summary), 149.01);
    QCOMPARE(LoopCycles::parse("error: invalid instruction"), 0.0);
}

void TestLatencyModel::aLayerCostsItsPaddedWorkAndItsBytes()
{
    // One 3×3 conv, 8 → 20 channels on 5×5 maps (pad 1), then its ReLU.
    qsm::ModelBuilder b(8, 5, 5);
    const auto conv = b.conv(qsm::ModelBuilder::kInput, 20, 3, 1, 1, 1, {4, 4});
    const auto model = b.build(b.relu(conv));
    ModelledCore core;
    core.name = "test core";
    core.clockGHz = 1.0;
    core.bandwidthGBs = 1.0;
    // A 4 × 16 tile, k in steps of 4, 1024 MACs in 100 cycles.
    KernelCost k{"lowbit", "tile", "f", 100.0, 1024.0, 4, 16, 4, 1, 1};
    const auto predicted = LatencyModel(core, {k}).predict(model);
    QCOMPARE(int(predicted.size()), 1);
    QCOMPARE(int(predicted[0].opSeconds.size()), 2);
    // Rows 25 → 28, channels 20 → 32, depth: 3 kernel rows of 3 × 8 = 24 bytes each.
    const double macs = 28.0 * 32 * 3 * 24;
    const double bytes = 8 * 25 + 20 * 25 + 20 * 72; // input, output, weights at 1 byte
    QCOMPARE(predicted[0].opSeconds[0], macs / 1024 * 100 / 1e9 + bytes / 1e9);
    QCOMPARE(predicted[0].opSeconds[1], 2.0 * 20 * 25 / 1e9); // the ReLU: its bytes only
    QCOMPARE(predicted[0].seconds, predicted[0].opSeconds[0] + predicted[0].opSeconds[1]);
}

void TestLatencyModel::aBitSerialKernelTakesTheLayersItServesWhereFaster()
{
    // Two 1×1 convs on 64 channels: W2A2, which the bit-serial kernel serves, and W4A4.
    qsm::ModelBuilder b(64, 4, 4);
    const auto x = b.conv(qsm::ModelBuilder::kInput, 64, 1, 1, 0, 1, {2, 2});
    const auto model = b.build(b.conv(x, 8, 1, 1, 0, 1, {4, 4}));
    ModelledCore core;
    core.clockGHz = 1.0;
    core.bandwidthGBs = 1e9; // bytes cost next to nothing
    const KernelCost bytes{"lowbit", "bytes", "f", 100.0, 1024.0, 4, 16, 4, 1, 1};
    const auto withSerial = [&](double cycles) {
        KernelCost serial{"lowbit", "bits W2A2", "g", cycles, 1024.0, 4, 16, 64, 1, 1};
        serial.weightBits = serial.activationBits = 2;
        return LatencyModel(core, {bytes, serial}).predict(model);
    };
    const auto alone = LatencyModel(core, {bytes}).predict(model);
    // Ten times faster: it takes the W2A2 layer, not the W4A4 one, and is named beside.
    const auto faster = withSerial(10.0);
    QCOMPARE(int(faster.size()), 1); // the alternative is no backend of its own
    QCOMPARE(QString::fromStdString(faster[0].kernel), QStringLiteral("bytes + bits"));
    QVERIFY(faster[0].opSeconds[0] < alone[0].opSeconds[0] / 5);
    QCOMPARE(faster[0].opSeconds[1], alone[0].opSeconds[1]);
    // Slower: the byte kernel keeps every layer, as the runtime's timing at load would.
    const auto slower = withSerial(1000.0);
    QCOMPARE(QString::fromStdString(slower[0].kernel), QStringLiteral("bytes"));
    QCOMPARE(slower[0].seconds, alone[0].seconds);
}

void TestLatencyModel::aDepthwiseConvCostsItsMacsAtTheDepthwiseLoopsRate()
{
    // A 3×3 depthwise conv over 20 channels of 5×5 (pad 1), then a 1×1 conv to 8.
    qsm::ModelBuilder b(20, 5, 5);
    const auto x = b.conv(qsm::ModelBuilder::kInput, 20, 3, 1, 1, 20, {4, 4});
    const auto model = b.build(b.conv(x, 8, 1, 1, 0, 1, {4, 4}));
    QVERIFY(model.layers[0].isDepthwise());
    QVERIFY(!model.layers[1].isDepthwise());
    ModelledCore core;
    core.clockGHz = 1.0;
    core.bandwidthGBs = 1.0;
    const KernelCost gemm{"lowbit", "tile", "f", 100.0, 1024.0, 4, 16, 4, 1, 1};
    const KernelCost int8{"int8", "xnn", "g", 50.0, 1024.0, 4, 16, 4, 1, 1};
    const KernelCost fp32{"fp32", "reference", "r", 4.0, 1.0, 1, 1, 1, 4, 4};
    KernelCost depthwise{"lowbit", "dw", "d", 12.0, 32.0, 1, 8, 1, 1, 4};
    depthwise.depthwise = true;
    const auto with = LatencyModel(core, {gemm, int8, fp32, depthwise}).predict(model);
    const auto without = LatencyModel(core, {gemm, int8, fp32}).predict(model);
    QCOMPARE(int(with.size()), 3); // the depthwise kernel is no backend of its own
    // 25 positions × 20 channels padded to 24 lanes × 9 taps, 32 MACs in 12 cycles; the input
    // and output at 1 byte, the weights as floats.
    const double macs = 25.0 * 24 * 9;
    const double bytes = 20 * 25 + 20 * 25 + 20 * 9 * 4;
    for (int b = 0; b < 2; ++b) { // the low-bit and int8 backends alike
        QCOMPARE(with[size_t(b)].opSeconds[0], macs / 32 * 12 / 1e9 + bytes / 1e9);
        // As a GEMM each channel was a group padded to a 4 × 16 tile of depth 9 × 4.
        QVERIFY(without[size_t(b)].opSeconds[0] > 4 * with[size_t(b)].opSeconds[0]);
        QCOMPARE(with[size_t(b)].opSeconds[1], without[size_t(b)].opSeconds[1]);
    }
    QCOMPARE(with[2].opSeconds[0], without[2].opSeconds[0]); // fp32: its untiled loop
}

void TestLatencyModel::theCheckComparesEndToEndAndPerLayer()
{
    // Two convs and a ReLU; the agent measured 2, 4 and 1 ms; the model said 3, 2 and 1.
    qsm::ModelBuilder b(4, 6, 6);
    const auto x = b.relu(b.conv(qsm::ModelBuilder::kInput, 8, 3, 1, 1, 1, {4, 4}));
    const auto model = b.build(b.conv(x, 8, 1, 1, 0, 1, {4, 4}));
    QCOMPARE(int(model.ops.size()), 3);
    const nlohmann::json bench{
        {"backends",
         {{{"backend", "lowbit"},
           {"ops", {{{"median_s", 0.002}}, {{"median_s", 0.001}}, {{"median_s", 0.004}}}}},
          {{"backend", "int8"}, {"ops", {{{"median_s", 0.001}}}}}}}}; // int8: not modelled
    const std::vector<ModelledBackend> predicted{{"lowbit", "k", {0.003, 0.001, 0.002}, 0.006}};
    const auto check = ModelCheck::compare(ModelCheck::fromAgent(bench), predicted, model);
    QCOMPARE(int(check.backends.size()), 1);
    const auto &c = check.backends[0];
    QCOMPARE(c.measured, 0.007);
    QCOMPARE(c.modelled, 0.006);
    QVERIFY(std::abs(c.error - (-1.0 / 7)) < 1e-12);
    // Over the two convs only: |3 − 2| / 2 and |2 − 4| / 4, median of {0.5, 0.5}.
    QCOMPARE(c.medianLayerError, 0.5);
    QVERIFY(std::abs(check.errorOf("lowbit") - 1.0 / 7) < 1e-12);
    QCOMPARE(check.errorOf("int8"), -1.0);
}

void TestLatencyModel::realLoopsOfTheArmBuild()
{
    const auto files = AgentFiles::locate();
    if (!Process::available("llvm-mca-14") || files.aarch64.empty() || files.arm64Sysroot.empty())
        QSKIP("needs llvm-14 and the arm64 build (scripts/setup, scripts/build-arm64)");
    for (const auto &core : ModelledCore::arm()) {
        const LatencyModel model(core, {files.aarch64, files.arm64Xnnpack()});
        QVERIFY2(model.skipped().empty(),
                 model.skipped().empty() ? "" : model.skipped()[0].second.c_str());
        // Ours, fp32, our depthwise kernel, XNNPACK's, and the bit-serial kernel at W1A1, W1A2,
        // W2A1 and W2A2.
        QCOMPARE(int(model.kernels().size()), 8);
        for (const auto &k : model.kernels()) {
            QVERIFY2(k.cyclesPerIteration > 0 && k.macsPerIteration > 0, k.kernel.c_str());
            // No core does more than 64 byte products a cycle, or 4 × 128 one-bit ones: a loop
            // whose count says so was cut wrong.
            const double perCycle = k.macsPerIteration / k.cyclesPerIteration;
            QVERIFY2(k.weightBits ? perCycle * k.weightBits * k.activationBits < 512
                                  : perCycle < 64,
                     k.kernel.c_str());
            qDebug("%s %s: %.0f MACs in %.1f cycles (%s)", core.id.c_str(), k.kernel.c_str(),
                   k.macsPerIteration, k.cyclesPerIteration, k.function.c_str());
        }
    }
}

QTEST_GUILESS_MAIN(TestLatencyModel)
#include "tst_latency_model.moc"
