// SPDX-License-Identifier: MIT
// Model import: folding, layer and block discovery, instrumentation (weights with a gradient
// path, activation quantizers, running one unit alone), export, and the bad-file corpus.
#include "error.h"
#include "model/quant_graph.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using quantscope::model::QuantGraph;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/") + QLatin1String(name);
}

// The linspace input make_fixtures.py fed its models.
torch::Tensor referenceInput(const QuantGraph &g)
{
    const auto &s = g.inputShape();
    return torch::linspace(-1, 1, 2 * s[0] * s[1] * s[2]).reshape({2, s[0], s[1], s[2]});
}

std::vector<double> referenceOutput(const char *model)
{
    QFile f(fixture("reference_outputs.json"));
    f.open(QIODevice::ReadOnly);
    std::vector<double> out;
    for (const auto v : QJsonDocument::fromJson(f.readAll()).object()[QLatin1String(model)]
                            .toArray())
        out.push_back(v.toDouble());
    return out;
}

} // namespace

class TestModelImport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void foldedGraphReproducesPyTorch_data();
    void foldedGraphReproducesPyTorch();
    void findsLayers();
    void countsLinearLayersOverMaps();
    void findsConvsWithPaddingByName();
    void namesProductsLeftInFloat();
    void findsResidualBlocks();
    void findsMobileNetBlockWithDepthwise();
    void plainChainKeepsItsLayersAlone_data();
    void plainChainKeepsItsLayersAlone();
    void gradientReachesLatentWeight();
    void activationQuantizerSeesLayerInput();
    void unitRunsAloneOnCachedInput();
    void unitTakesChannelsLastInput_data();
    void unitTakesChannelsLastInput();
    void savedWeightsReload();
    void badFiles_data();
    void badFiles();
};

void TestModelImport::foldedGraphReproducesPyTorch_data()
{
    QTest::addColumn<QString>("model");
    QTest::newRow("traced cnn") << QStringLiteral("tiny_cnn_traced.pt");
    QTest::newRow("scripted resnet") << QStringLiteral("tiny_resnet_scripted.pt");
    QTest::newRow("traced mobilenet") << QStringLiteral("tiny_mobilenet_traced.pt");
    QTest::newRow("traced cnn, head views its maps")
        << QStringLiteral("tiny_view_cnn_traced.pt");
    QTest::newRow("traced cnn, layers in a Sequential") << QStringLiteral("tiny_vgg_traced.pt");
}

void TestModelImport::foldedGraphReproducesPyTorch()
{
    QFETCH(QString, model);
    QuantGraph g(fixture(model.toUtf8().constData()).toStdString());
    auto session = g.makeSession();
    const auto out = g.forward(referenceInput(g), session).flatten();
    const auto expected = referenceOutput(model.toUtf8().constData());
    QCOMPARE(out.numel(), int64_t(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i)
        QVERIFY2(std::abs(out[int64_t(i)].item<double>() - expected[i]) < 1e-4,
                 qPrintable(QStringLiteral("output %1 differs").arg(i)));
}

void TestModelImport::findsLayers()
{
    QuantGraph g(fixture("tiny_cnn_traced.pt").toStdString());
    QCOMPARE(g.layers().size(), size_t(3));
    QCOMPARE(g.layers()[0].name, std::string("conv1"));
    QCOMPARE(g.layers()[1].weightShape, (std::vector<int64_t>{8, 4, 3, 3}));
    QCOMPARE(std::string(g.layers()[2].kindName()), std::string("linear"));
    QCOMPARE(g.layers()[1].macs, int64_t(8 * 4 * 9 * 4 * 4)); // stride 2: 4×4 outputs
    QCOMPARE(g.inputChannels(), int64_t(1));
    QCOMPARE(g.totalParams(), int64_t(36 + 288 + 80));
}

void TestModelImport::countsLinearLayersOverMaps()
{
    // ConvNeXt's nn.Linear over each pixel of a 4×4 map permuted to channels last: one
    // product of its weights per pixel, not per image.
    QuantGraph g(fixture("tiny_convnext_traced.pt").toStdString());
    const auto &layers = g.layers();
    const auto up = std::find_if(layers.begin(), layers.end(),
                                 [](const auto &l) { return l.name == "up1"; });
    QVERIFY(up != layers.end());
    QCOMPARE(std::string(up->kindName()), std::string("linear"));
    QCOMPARE(up->inputShape, (std::vector<int64_t>{4, 4, 8}));
    QCOMPARE(up->macs, int64_t(32 * 8 * 4 * 4));
    QCOMPARE(layers.back().macs, int64_t(10 * 16)); // the classifier, over a vector
}

void TestModelImport::findsConvsWithPaddingByName()
{
    // padding="same" and "valid" trace as aten::_convolution_mode, whose groups come right
    // after the dilation: every conv is a layer (none left in float), the depthwise one with
    // its groups, and a "same" conv keeps its map's size.
    QuantGraph g(fixture("tiny_mixer_cnn_traced.pt").toStdString());
    std::vector<std::string> names;
    for (const auto &l : g.layers())
        names.push_back(l.name);
    QCOMPARE(names, (std::vector<std::string>{"stem", "dw", "even", "dilated", "fc"}));
    QCOMPARE(g.layers()[1].groups, int64_t(8));
    QCOMPARE(g.layers()[2].groups, int64_t(1));
    QCOMPARE(g.layers()[1].macs, int64_t(8 * 25 * 6 * 6)); // "valid" 3×3 stem: 6×6 maps
    QCOMPARE(g.layers()[2].macs, int64_t(8 * 8 * 16 * 6 * 6));
}

void TestModelImport::namesProductsLeftInFloat()
{
    // A conv whose kernel the input scales and a classifier written as x @ W are no layers:
    // the import names both, where a run warns that they stay in float.
    QuantGraph g(fixture("tiny_dynamic_cnn_traced.pt").toStdString());
    QCOMPARE(g.layers().size(), size_t(1));
    const auto &products = g.floatProducts();
    QCOMPARE(products.size(), size_t(2));
    QVERIFY2(products[0].find("aten::_convolution") == 0 &&
                 products[0].find("its weight is computed by the model") != std::string::npos,
             products[0].c_str());
    QVERIFY2(products[1].find("aten::matmul") == 0 &&
                 products[1].find("a matrix product with a constant") != std::string::npos,
             products[1].c_str());
    QVERIFY(QuantGraph(fixture("tiny_cnn_traced.pt").toStdString()).floatProducts().empty());
}

void TestModelImport::findsResidualBlocks()
{
    QuantGraph g(fixture("tiny_resnet_scripted.pt").toStdString());
    QCOMPARE(g.units().size(), size_t(4)); // stem, block, block with downsample, fc
    QVERIFY(!g.units()[0].isBlock);
    QVERIFY(g.units()[1].isBlock);
    QCOMPARE(g.units()[1].layerIds, (std::vector<int>{1, 2}));
    QCOMPARE(g.units()[2].layerIds, (std::vector<int>{3, 4, 5}));
    QCOMPARE(g.layers()[5].name, std::string("layer2.downsample.0"));
    // The global pool starts the head's unit: the last block is reconstructed on its maps.
    auto session = g.makeSession();
    std::vector<torch::Tensor> inputs;
    g.forward(referenceInput(g), session,
              [&](size_t, const torch::Tensor &x) { inputs.push_back(x); });
    QCOMPARE(inputs.back().dim(), int64_t(4));
}

void TestModelImport::findsMobileNetBlockWithDepthwise()
{
    QuantGraph g(fixture("tiny_mobilenet_traced.pt").toStdString());
    QCOMPARE(g.layers()[2].groups, int64_t(16)); // depthwise 3×3
    QCOMPARE(g.units()[1].isBlock, true);        // the inverted residual with its skip
    QCOMPARE(g.units()[1].layerIds, (std::vector<int>{1, 2, 3}));
    // block2 has no skip, but it is the same kind of module as block1: one block, as the
    // released BRECQ code reconstructs every inverted residual.
    QCOMPARE(g.units().size(), size_t(4)); // stem, block1, block2, head
    QCOMPARE(g.units()[2].isBlock, true);
    QCOMPARE(g.units()[2].layerIds, (std::vector<int>{4, 5, 6}));
}

void TestModelImport::plainChainKeepsItsLayersAlone_data()
{
    QTest::addColumn<QString>("model");
    QTest::newRow("layers at the top") << QStringLiteral("tiny_cnn_traced.pt");
    // VGG's layout: features.0 and features.3 share a module, which must not make it a block.
    QTest::newRow("layers in a Sequential") << QStringLiteral("tiny_vgg_traced.pt");
}

void TestModelImport::plainChainKeepsItsLayersAlone()
{
    // No residual block, so no module is taken for one: conv, conv, linear stay three units.
    QFETCH(QString, model);
    QuantGraph g(fixture(qPrintable(model)).toStdString());
    QCOMPARE(g.layers().size(), size_t(3));
    QCOMPARE(g.units().size(), g.layers().size());
    for (const auto &u : g.units())
        QCOMPARE(u.isBlock, false);
}

void TestModelImport::gradientReachesLatentWeight()
{
    QuantGraph g(fixture("tiny_resnet_scripted.pt").toStdString());
    auto session = g.makeSession();
    auto latent = g.floatWeight(3).clone().requires_grad_(true);
    // STE-rounded weight on a coarse grid: forward quantized, gradient straight through.
    const auto quantized = latent + ((latent * 4).round() / 4 - latent).detach();
    session.setWeight(3, quantized);
    g.forward(referenceInput(g), session).pow(2).sum().backward();
    QVERIFY(latent.grad().defined());
    QVERIFY(latent.grad().abs().sum().item<double>() > 0);
}

void TestModelImport::activationQuantizerSeesLayerInput()
{
    QuantGraph g(fixture("tiny_cnn_traced.pt").toStdString());
    auto session = g.makeSession();
    const auto x = referenceInput(g);
    const auto before = g.forward(x, session);
    std::vector<int64_t> seenShape;
    session.setActivationQuantizer(1, [&](const torch::Tensor &a) {
        seenShape = a.sizes().vec();
        return torch::zeros_like(a);
    });
    const auto after = g.forward(x, session);
    QCOMPARE(seenShape, (std::vector<int64_t>{2, 4, 8, 8}));
    QVERIFY(!torch::allclose(before, after));
}

void TestModelImport::unitRunsAloneOnCachedInput()
{
    QuantGraph g(fixture("tiny_resnet_scripted.pt").toStdString());
    auto session = g.makeSession();
    std::vector<torch::Tensor> inputs;
    const auto out = g.forward(referenceInput(g), session,
                               [&](size_t, const torch::Tensor &x) { inputs.push_back(x); });
    QCOMPARE(inputs.size(), g.units().size());
    const auto blockOut = g.runUnit(1, inputs[1], session);
    QVERIFY(torch::allclose(blockOut, inputs[2]));
    QVERIFY(torch::allclose(g.runUnit(3, inputs[3], session), out));
}

void TestModelImport::unitTakesChannelsLastInput_data()
{
    foldedGraphReproducesPyTorch_data();
}

// BRECQ caches units' outputs in channels-last on the CPU and feeds them to the next unit: every
// unit gives on such an input what it gives on the model's own contiguous maps. A head that views
// its maps (x.view(n, -1) fails on a channels-last map) runs on a contiguous copy.
void TestModelImport::unitTakesChannelsLastInput()
{
    QFETCH(QString, model);
    QuantGraph g(fixture(model.toUtf8().constData()).toStdString());
    auto session = g.makeSession();
    std::vector<torch::Tensor> inputs;
    g.forward(referenceInput(g), session,
              [&](size_t, const torch::Tensor &x) { inputs.push_back(x); });
    for (size_t u = 0; u < inputs.size(); ++u) {
        const auto channelsLast = inputs[u].contiguous(torch::MemoryFormat::ChannelsLast);
        QVERIFY(torch::allclose(g.runUnit(u, channelsLast, session),
                                g.runUnit(u, inputs[u], session), 1e-5, 1e-6));
    }
}

void TestModelImport::savedWeightsReload()
{
    QTemporaryDir dir;
    QuantGraph g(fixture("tiny_mobilenet_traced.pt").toStdString());
    std::vector<torch::Tensor> weights;
    for (size_t i = 0; i < g.layers().size(); ++i)
        weights.push_back(g.floatWeight(int(i)).sign() * 0.5);
    const auto path = dir.filePath(QStringLiteral("q.pt")).toStdString();
    g.saveWithWeights(weights, path);
    QuantGraph reloaded(path);
    QCOMPARE(reloaded.layers().size(), g.layers().size());
    QCOMPARE(reloaded.inputShape(), g.inputShape());
    for (size_t i = 0; i < weights.size(); ++i)
        QVERIFY(torch::equal(reloaded.floatWeight(int(i)), weights[i]));
}

void TestModelImport::badFiles_data()
{
    // Netron-style corpus: file → words the error must contain.
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing") << QStringLiteral("no_such_file.pt") << QStringLiteral("no such");
    QTest::newRow("truncated") << QStringLiteral("truncated.pt")
                               << QStringLiteral("not a readable TorchScript model");
    QTest::newRow("text file") << QStringLiteral("not_a_model.pt")
                               << QStringLiteral("not a readable TorchScript model");
    QTest::newRow("transposed conv") << QStringLiteral("unsupported_op.pt")
                                     << QStringLiteral("unsupported op");
    QTest::newRow("a folder") << QString() << QStringLiteral("no such model file");
    // x.view(1, -1): the interpreter's error, not its "The following operation failed".
    QTest::newRow("batch fixed at one")
        << QStringLiteral("batch_of_one.pt")
        << QStringLiteral("not on a batch of two (is its batch fixed, as by x.view(1, -1)?): mat1 "
                          "and mat2 shapes cannot be multiplied (1x256 and 128x10) (at ");
}

void TestModelImport::badFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, expected);
    const auto path = fixture(file.toUtf8().constData()).toStdString();
    try {
        QuantGraph g(path);
        QFAIL("no error");
    } catch (const quantscope::Error &e) {
        const QString message = QString::fromStdString(e.what());
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), "one-line message");
        if (!file.isEmpty())
            QVERIFY2(message.contains(file), "names the file");
    }
}

QTEST_GUILESS_MAIN(TestModelImport)
#include "tst_model_import.moc"
