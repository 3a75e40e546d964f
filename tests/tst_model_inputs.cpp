// SPDX-License-Identifier: MIT
// ModelInputs: where the image size comes from (you, the model, the images, the mixed-size
// default), the normalisation computed when nobody gives one, and warnings for skipped images.
#include "data/batch_loader.h"
#include "data/channel_statistics.h"
#include "error.h"
#include "image_folder_fixture.h"
#include "jobs/model_inputs.h"
#include "model/quant_graph.h"

#include <QTemporaryDir>
#include <QTest>

using namespace quantscope;

namespace {
const std::string kNoMetadataModel = QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_no_metadata.pt";
const std::string kModelWithShape = QUANTSCOPE_FIXTURE_DIR "/tiny_cnn_traced.pt"; // 1×8×8
} // namespace

class TestModelInputs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sizeFromTheImages();
    void sizeFromTheModel();
    void sizeSetByYou();
    void mixedSizesDefaultTo224();
    void normalisationComputedOnTrainingImages();
    void normalisationGivenWins();
    void statisticsOfLargeImagesComeInChunks();
    void unreadableImagesAreWarned();
};

void TestModelInputs::sizeFromTheImages()
{
    QTemporaryDir dir;
    testing::writeImageFolder(dir.path(), 3, 5, {{28, 28}});
    model::QuantGraph graph(kNoMetadataModel);
    QVERIFY(graph.inputShape().empty());
    jobs::ModelInputs inputs(graph, dir.path().toStdString());
    QCOMPARE(inputs.imageSize(), int64_t(28));
    QCOMPARE(inputs.sizeSource(), std::string("from the images"));
    const auto test = inputs.open(data::Split::Test);
    QCOMPARE(test.imageShape(), (std::vector<int64_t>{1, 28, 28}));
    QCOMPARE(graph.inputShape(), (std::vector<int64_t>{1, 28, 28})); // probed at that size
    QVERIFY(inputs.warnings().empty());
    QVERIFY(QString::fromStdString(inputs.describe()).contains(QLatin1String("28x28 px (from the images)")));
}

void TestModelInputs::sizeFromTheModel()
{
    QTemporaryDir dir;
    testing::writeImageFolder(dir.path(), 2, 5, {{28, 28}});
    model::QuantGraph graph(kModelWithShape);
    jobs::ModelInputs inputs(graph, dir.path().toStdString());
    QCOMPARE(inputs.imageSize(), int64_t(8));
    QCOMPARE(inputs.sizeSource(), std::string("from the model"));
    QCOMPARE(inputs.open(data::Split::Train).imageShape(), (std::vector<int64_t>{1, 8, 8}));
}

void TestModelInputs::sizeSetByYou()
{
    QTemporaryDir dir;
    testing::writeIdx(dir.path(), 20, 10, 8, false);
    model::QuantGraph graph(kNoMetadataModel);
    jobs::ModelInputs inputs(graph, dir.path().toStdString(), {{}, {}, 12});
    QCOMPARE(inputs.sizeSource(), std::string("set by you"));
    QCOMPARE(inputs.open(data::Split::Test).imageShape(), (std::vector<int64_t>{1, 12, 12}));
    // An IDX file's own size is known once it was read.
    jobs::ModelInputs own(graph, dir.path().toStdString());
    QCOMPARE(own.imageSize(), int64_t(0));
    own.open(data::Split::Test);
    QCOMPARE(own.imageSize(), int64_t(8));
    QCOMPARE(own.sizeSource(), std::string("from the images"));
    QVERIFY_THROWS_EXCEPTION(Error, jobs::ModelInputs(graph, dir.path().toStdString(), {{}, {}, -1}));
}

void TestModelInputs::mixedSizesDefaultTo224()
{
    QTemporaryDir dir;
    testing::writeImageFolder(dir.path(), 2, 5, {{40, 30}, {50, 60}});
    model::QuantGraph graph(kNoMetadataModel);
    jobs::ModelInputs inputs(graph, dir.path().toStdString());
    QCOMPARE(inputs.imageSize(), int64_t(224));
    QCOMPARE(inputs.sizeSource(), std::string("default for images of mixed sizes"));
    QCOMPARE(inputs.warnings().size(), size_t(1));
    QVERIFY(QString::fromStdString(inputs.warnings()[0]).contains(QLatin1String("mixed sizes")));
    QCOMPARE(inputs.open(data::Split::Test).imageShape(), (std::vector<int64_t>{1, 224, 224}));
    jobs::ModelInputs set(graph, dir.path().toStdString(), {{}, {}, 32});
    QCOMPARE(set.open(data::Split::Test).imageShape(), (std::vector<int64_t>{1, 32, 32}));
}

void TestModelInputs::normalisationComputedOnTrainingImages()
{
    QTemporaryDir dir;
    testing::writeIdx(dir.path(), 3000, 10, 8, false);
    model::QuantGraph graph(kNoMetadataModel);
    jobs::ModelInputs inputs(graph, dir.path().toStdString());
    const auto &t = inputs.transform();
    QCOMPARE(inputs.normalisationSource(),
             "computed on " + std::to_string(jobs::ModelInputs::kStatisticsImages) +
                 " training images");
    // The same numbers as the statistics of those training images, evenly spaced.
    auto train = inputs.open(data::Split::Train);
    const auto keep = torch::tensor(data::Dataset::evenlySpaced(train.size(),
                                                                jobs::ModelInputs::kStatisticsImages));
    train.images = train.images.index_select(0, keep);
    const auto expected = data::ChannelStatistics::compute(train, 1);
    QCOMPARE(t.mean.size(), size_t(1));
    QCOMPARE(t.mean[0], expected.mean[0]);
    QCOMPARE(t.std[0], expected.std[0]);
    // Normalised training batches are centred with unit spread.
    data::BatchLoader loader(train, t, data::BatchLoader::inOrder(train), 1024);
    const auto x = loader.batch(0).inputs;
    QVERIFY(std::abs(x.mean().item<double>()) < 1e-3);
    QVERIFY(std::abs(x.std().item<double>() - 1) < 1e-2);
}

void TestModelInputs::statisticsOfLargeImagesComeInChunks()
{
    // 250 RGB images of 224x224 span three chunks; the statistics are those of all of them.
    torch::manual_seed(5);
    data::Dataset big;
    big.images = torch::randint(0, 256, {250, 3, 224, 224}, torch::kUInt8);
    big.images.select(1, 2).fill_(255); // the blue channel constant: std 1, not 0
    big.labels = torch::zeros({250}, torch::kLong);
    const auto stats = data::ChannelStatistics::compute(big, 3);
    const auto x = big.images.to(torch::kFloat64).div(255).transpose(0, 1).flatten(1);
    for (int64_t c = 0; c < 2; ++c) {
        QVERIFY(std::abs(stats.mean[size_t(c)] - x[c].mean().item<double>()) < 1e-6);
        QVERIFY(std::abs(stats.std[size_t(c)] - x[c].std().item<double>()) < 1e-6);
    }
    QCOMPARE(stats.mean[2], 1.0f);
    QCOMPARE(stats.std[2], 1.0f);
}

void TestModelInputs::normalisationGivenWins()
{
    QTemporaryDir dir;
    testing::writeIdx(dir.path(), 20, 10, 8, false);
    model::QuantGraph graph(kNoMetadataModel);
    jobs::ModelInputs raw(graph, dir.path().toStdString(), {{0.0f}, {1.0f}, 0});
    QCOMPARE(raw.transform().mean, std::vector<float>{0.0f});
    QCOMPARE(raw.transform().std, std::vector<float>{1.0f});
    QCOMPARE(raw.normalisationSource(), std::string("set by you"));
    jobs::ModelInputs half(graph, dir.path().toStdString(), {{0.5f}, {}, 0});
    half.transform();
    QVERIFY2(QString::fromStdString(half.normalisationSource())
                 .startsWith(QLatin1String("mean set by you, std computed on 20")),
             half.normalisationSource().c_str());
}

void TestModelInputs::unreadableImagesAreWarned()
{
    QTemporaryDir dir;
    testing::writeImageFolder(dir.path(), 2, 10, {{28, 28}});
    QFile broken(dir.filePath(QStringLiteral("class1/000.png")));
    broken.resize(40);
    model::QuantGraph graph(kNoMetadataModel);
    jobs::ModelInputs inputs(graph, dir.path().toStdString());
    QCOMPARE(inputs.imageSize(), int64_t(28)); // the damaged file's header still says 28×28
    const auto train = inputs.open(data::Split::Train);
    QCOMPARE(train.size(), int64_t(15));
    QCOMPARE(inputs.warnings().size(), size_t(1));
    QVERIFY2(QString::fromStdString(inputs.warnings()[0])
                 .contains(QLatin1String("train split: 1 unreadable image skipped: class1/000.png")),
             inputs.warnings()[0].c_str());
}

QTEST_GUILESS_MAIN(TestModelInputs)
#include "tst_model_inputs.moc"
