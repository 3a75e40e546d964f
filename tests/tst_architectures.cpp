// SPDX-License-Identifier: MIT
// Architectures: the modules `quantscope-cli train` builds run, save as TorchScript archives,
// and import into the quantization graph with the blocks BRECQ reconstructs.
#include "error.h"
#include "model/quant_graph.h"
#include "train/architectures.h"

#include <QTemporaryDir>
#include <QTest>

using quantscope::model::QuantGraph;
using quantscope::train::Architectures;

class TestArchitectures : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyArchitectureGivesClassLogits_data();
    void everyArchitectureGivesClassLogits();
    void mobileNetImportsWithItsBlocks();
    void unknownNameListsTheKnownOnes();
};

void TestArchitectures::everyArchitectureGivesClassLogits_data()
{
    QTest::addColumn<QString>("name");
    for (const auto &name : Architectures::names())
        QTest::newRow(name.c_str()) << QString::fromStdString(name);
}

void TestArchitectures::everyArchitectureGivesClassLogits()
{
    QFETCH(QString, name);
    auto m = Architectures::create(name.toStdString(), 1, 10, 8, 0);
    m.eval();
    const auto out = m.forward({torch::randn({3, 1, 28, 28})}).toTensor();
    QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{3, 10}));
    QVERIFY(torch::isfinite(out).all().item<bool>());
    // The same seed builds the same weights.
    auto again = Architectures::create(name.toStdString(), 1, 10, 8, 0);
    const auto a = m.parameters().begin(), b = again.parameters().begin();
    QVERIFY(torch::equal(*a, *b));
}

void TestArchitectures::mobileNetImportsWithItsBlocks()
{
    QTemporaryDir dir;
    const auto path = dir.filePath(QStringLiteral("mbv2.pt")).toStdString();
    auto m = Architectures::create("mobilenetv2", 1, 10, 8, 0);
    m.eval();
    m.save(path);
    QuantGraph g(path);
    // stem, six inverted residuals (block1 without expansion), the last 1×1 conv, fc
    QCOMPARE(g.layers().size(), size_t(1 + 2 + 5 * 3 + 1 + 1));
    QCOMPARE(g.layers()[1].name, std::string("block1.depthwise"));
    QCOMPARE(g.layers()[1].groups, int64_t(8));
    QCOMPARE(g.units().size(), size_t(1 + 6 + 2));
    for (size_t u = 1; u <= 6; ++u) // with or without a shortcut, each block is one unit
        QVERIFY2(g.units()[u].isBlock, qPrintable(QString::number(u)));
    QCOMPARE(g.units()[2].layerIds, (std::vector<int>{3, 4, 5})); // block2: no shortcut
    // The folded graph computes what the module does.
    const auto x = torch::randn({2, 1, 28, 28});
    auto session = g.makeSession();
    const auto expected = m.forward({x}).toTensor();
    QVERIFY(torch::allclose(g.forward(x, session), expected, 1e-4, 1e-4));
}

void TestArchitectures::unknownNameListsTheKnownOnes()
{
    try {
        Architectures::create("vgg", 1, 10, 8, 0);
        QFAIL("no error");
    } catch (const quantscope::Error &e) {
        QVERIFY(std::string(e.what()).find("mobilenetv2") != std::string::npos);
    }
}

QTEST_GUILESS_MAIN(TestArchitectures)
#include "tst_architectures.moc"
