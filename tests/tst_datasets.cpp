// SPDX-License-Identifier: MIT
// Dataset readers (IDX raw and gzipped, CIFAR-10 binary, ImageFolder), format detection, the
// transform to model inputs, deterministic subsets, and the errors for what is not a dataset.
#include "data/batch_loader.h"
#include "data/dataset_reader.h"
#include "data/image_folder_reader.h"
#include "data/image_header.h"
#include "error.h"
#include "image_folder_fixture.h"
#include "synthetic_dataset.h"

#include <opencv2/imgcodecs.hpp>

#include <QTemporaryDir>
#include <QTest>

using namespace quantscope;

class TestDatasets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsIdx_data();
    void readsIdx();
    void readsCifar10();
    void readsImageFolder();
    void surveysImageSizes();
    void mixedSizesUseTheCropConvention();
    void skipsUnreadableImages();
    void rejectsAFolderOfUnreadableImages();
    void readsHeadersWithoutDecoding();
    void rejectsWhatIsNotADataset();
    void rejectsTruncatedIdx();
    void hostileHeadersAllocateNothing();
    void rejectsCifarLabelsPastTheClasses();
    void transformMatchesModelChannels();
    void subsetsAreDeterministic();

private:
    // The one-line reason DatasetReader::open refuses `path` with; "" when it opens.
    static QString openError(const std::string &path, data::Split split);
};

QString TestDatasets::openError(const std::string &path, data::Split split)
{
    try {
        data::DatasetReader::open(path, split);
    } catch (const Error &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

void TestDatasets::readsIdx_data()
{
    QTest::addColumn<bool>("gzip");
    QTest::newRow("raw") << false;
    QTest::newRow("gzip") << true;
}

void TestDatasets::readsIdx()
{
    QFETCH(bool, gzip);
    QTemporaryDir dir;
    testing::writeIdx(dir.path(), 30, 20, 8, gzip);
    const auto path = dir.path().toStdString();
    QCOMPARE(data::DatasetReader::detectFormat(path), std::string("idx"));
    const auto train = data::DatasetReader::open(path, data::Split::Train);
    const auto test = data::DatasetReader::open(path, data::Split::Test);
    QCOMPARE(train.size(), int64_t(30));
    QCOMPARE(test.size(), int64_t(20));
    QCOMPARE(train.imageShape(), (std::vector<int64_t>{1, 8, 8}));
    QCOMPARE(train.classCount(), int64_t(10));
    QCOMPARE(train.labels[13].item<int64_t>(), int64_t(3));
    const auto expected = testing::syntheticImage(3, 13, 8);
    QCOMPARE(train.images[13][0][3][5].item<int>(), int(expected[3 * 8 + 5]));
}

void TestDatasets::readsCifar10()
{
    QTemporaryDir dir;
    std::vector<uint8_t> records;
    for (int i = 0; i < 4; ++i) {
        records.push_back(uint8_t(i));
        for (int p = 0; p < 3 * 32 * 32; ++p)
            records.push_back(uint8_t(p / 1024 * 50 + i)); // channel c = 50c + i
    }
    testing::writeFile(dir.filePath(QStringLiteral("test_batch.bin")), records, false);
    const auto path = dir.path().toStdString();
    QCOMPARE(data::DatasetReader::detectFormat(path), std::string("cifar10"));
    const auto test = data::DatasetReader::open(path, data::Split::Test);
    QCOMPARE(test.size(), int64_t(4));
    QCOMPARE(test.imageShape(), (std::vector<int64_t>{3, 32, 32}));
    QCOMPARE(test.images[2][1][10][10].item<int>(), 52);
    QCOMPARE(test.labels[3].item<int64_t>(), int64_t(3));
    // The train batches are missing.
    QVERIFY(openError(path, data::Split::Train).contains(QLatin1String("data_batch_1.bin")));
}

void TestDatasets::readsImageFolder()
{
    QTemporaryDir dir;
    for (const char *cls : {"cat", "dog"}) {
        QDir(dir.path()).mkpath(QLatin1String(cls));
        for (int i = 0; i < 5; ++i) {
            cv::Mat image(20, 30, CV_8UC3, cv::Scalar(10, 100, cls[0] == 'c' ? 200 : 0));
            cv::imwrite(dir.filePath(QStringLiteral("%1/%2.png").arg(QLatin1String(cls)).arg(i))
                            .toStdString(),
                        image);
        }
    }
    const auto path = dir.path().toStdString();
    QCOMPARE(data::DatasetReader::detectFormat(path), std::string("imagefolder"));
    data::ImageFolderOptions options;
    options.size = 16;
    const auto train = data::DatasetReader::open(path, data::Split::Train, options);
    const auto test = data::DatasetReader::open(path, data::Split::Test, options);
    QCOMPARE(train.size(), int64_t(8)); // every fifth image of a class is held out
    QCOMPARE(test.size(), int64_t(2));
    QCOMPARE(train.classNames, (std::vector<std::string>{"cat", "dog"}));
    QCOMPARE(train.imageShape(), (std::vector<int64_t>{3, 16, 16}));
    // OpenCV's BGR became RGB: the cat images are red.
    QCOMPARE(train.images[0][0][8][8].item<int>(), 200);
    QCOMPARE(train.images[0][2][8][8].item<int>(), 10);
}

void TestDatasets::surveysImageSizes()
{
    QTemporaryDir uniform, mixed;
    testing::writeImageFolder(uniform.path(), 2, 5, {{28, 28}});
    testing::writeImageFolder(mixed.path(), 2, 5, {{40, 30}, {50, 60}});
    const auto same = data::ImageFolderReader::survey(uniform.path().toStdString());
    QCOMPARE(same.images, int64_t(10));
    QCOMPARE(same.width, 28);
    QCOMPARE(same.height, 28);
    QVERIFY(!same.mixed);
    QVERIFY(data::ImageFolderReader::survey(mixed.path().toStdString()).mixed);
}

void TestDatasets::mixedSizesUseTheCropConvention()
{
    // An 80×80 white image in a 4-pixel black frame. Shorter side to the size itself keeps the
    // frame at the edge; torchvision's convention (shorter side to size/0.875, centre crop)
    // cuts it away.
    QTemporaryDir dir;
    QDir(dir.path()).mkpath(QStringLiteral("a"));
    cv::Mat framed(80, 80, CV_8UC1, cv::Scalar(0));
    framed(cv::Rect(4, 4, 72, 72)).setTo(255);
    for (int i = 0; i < 5; ++i)
        cv::imwrite(dir.filePath(QStringLiteral("a/%1.png").arg(i)).toStdString(), framed);
    data::ImageFolderOptions options;
    options.size = 16;
    options.channels = 1;
    options.layout = data::ImageFolderOptions::Layout::Uniform;
    const auto uniform = data::DatasetReader::open(dir.path().toStdString(), data::Split::Train,
                                                   options);
    options.layout = data::ImageFolderOptions::Layout::Mixed;
    const auto mixed = data::DatasetReader::open(dir.path().toStdString(), data::Split::Train,
                                                 options);
    QCOMPARE(mixed.imageShape(), (std::vector<int64_t>{1, 16, 16}));
    QVERIFY2(uniform.images[0][0][8][0].item<int>() < 100,
             qPrintable(QString::number(uniform.images[0][0][8][0].item<int>())));
    QVERIFY2(mixed.images[0][0][8][0].item<int>() > 200,
             qPrintable(QString::number(mixed.images[0][0][8][0].item<int>())));
}

void TestDatasets::skipsUnreadableImages()
{
    QTemporaryDir dir;
    testing::writeImageFolder(dir.path(), 2, 10, {{12, 12}});
    // Three damaged files in the training part of class0 (the first three in name order): a cut
    // PNG, a cut JPEG, text.
    const QString cls = dir.filePath(QStringLiteral("class0"));
    testing::writeTruncatedCopy(cls + QStringLiteral("/000.png"), cls + QStringLiteral("/000.png.part"));
    QFile::remove(cls + QStringLiteral("/000.png"));
    QFile::rename(cls + QStringLiteral("/000.png.part"), cls + QStringLiteral("/000.png"));
    cv::Mat photo(64, 64, CV_8UC3, cv::Scalar(30, 90, 200));
    cv::randu(photo, 0, 255); // noise: the JPEG stream is long enough that half of it lacks the end
    cv::imwrite((cls + QStringLiteral("/whole.jpg")).toStdString(), photo);
    testing::writeTruncatedCopy(cls + QStringLiteral("/whole.jpg"), cls + QStringLiteral("/000b.jpg"));
    QFile::remove(cls + QStringLiteral("/whole.jpg"));
    QFile text(cls + QStringLiteral("/000c.png"));
    text.open(QIODevice::WriteOnly);
    text.write("not an image");
    text.close();

    data::ImageFolderOptions options;
    options.size = 12;
    options.channels = 1;
    const auto train = data::DatasetReader::open(dir.path().toStdString(), data::Split::Train,
                                                 options);
    QCOMPARE(train.unreadableCount, int64_t(3));
    QCOMPARE(train.size(), int64_t(10 + 8 - 3)); // four fifths of 12 + 10 files, less 3 damaged
    QCOMPARE(train.size(), train.labels.size(0));
    QCOMPARE(train.unreadableFiles.front(), std::string("class0/000.png"));
    const QString warning = QString::fromStdString(train.unreadableWarning());
    QVERIFY2(warning.startsWith(QLatin1String("3 unreadable images skipped: class0/000.png")),
             qPrintable(warning));
    // The labels still belong to their images: class0 lights up the top row, class1 a lower one.
    const auto brightestRow = train.images.select(1, 0).to(torch::kFloat).mean(2).argmax(1);
    QVERIFY(torch::equal((brightestRow > 0).to(torch::kInt64), train.labels));
}

void TestDatasets::rejectsAFolderOfUnreadableImages()
{
    QTemporaryDir dir;
    QDir(dir.path()).mkpath(QStringLiteral("a"));
    for (int i = 0; i < 3; ++i) {
        QFile f(dir.filePath(QStringLiteral("a/%1.png").arg(i)));
        f.open(QIODevice::WriteOnly);
        f.write("\x89PNG broken");
    }
    const QString error = openError(dir.path().toStdString(), data::Split::Train);
    QVERIFY2(error.contains(QLatin1String("could be read")), qPrintable(error));
}

void TestDatasets::readsHeadersWithoutDecoding()
{
    QTemporaryDir dir;
    cv::Mat image(30, 50, CV_8UC3, cv::Scalar(1, 2, 3));
    for (const char *ext : {"png", "jpg", "bmp"}) {
        const auto path = dir.filePath(QStringLiteral("x.%1").arg(QLatin1String(ext))).toStdString();
        cv::imwrite(path, image);
        data::ImageHeader header;
        QVERIFY2(data::ImageHeader::read(path, header), ext);
        QCOMPARE(header.width, 50);
        QCOMPARE(header.height, 30);
        QVERIFY(data::ImageHeader::looksComplete(path));
    }
    data::ImageHeader header;
    QVERIFY(!data::ImageHeader::read(dir.filePath(QStringLiteral("none.png")).toStdString(), header));
}

void TestDatasets::rejectsWhatIsNotADataset()
{
    QTemporaryDir dir;
    QFile(dir.filePath(QStringLiteral("notes.txt"))).open(QIODevice::WriteOnly);
    for (const auto &path : {dir.path().toStdString(), std::string("/no/such/folder"),
                             dir.filePath(QStringLiteral("notes.txt")).toStdString()}) {
        const QString error = openError(path, data::Split::Test);
        QVERIFY2(error.contains(QString::fromStdString(path)), qPrintable(error));
    }
}

void TestDatasets::rejectsTruncatedIdx()
{
    QTemporaryDir dir;
    testing::writeIdx(dir.path(), 30, 20, 8, false);
    QFile f(dir.filePath(QStringLiteral("t10k-images-idx3-ubyte")));
    QVERIFY(f.resize(100));
    const QString error = openError(dir.path().toStdString(), data::Split::Test);
    QVERIFY2(error.contains(QLatin1String("truncated")), qPrintable(error));
}

void TestDatasets::hostileHeadersAllocateNothing()
{
    // 16 bytes claiming 2^26 images of 4096×4096 pixels: refused as truncated once the bytes run
    // out, before anything near the claimed terabyte is allocated.
    QTemporaryDir dir;
    testing::writeIdx(dir.path(), 30, 20, 8, false);
    std::vector<uint8_t> header;
    for (uint32_t v : {0x803u, 1u << 26, 4096u, 4096u})
        testing::putBigEndian(header, v);
    testing::writeFile(dir.filePath(QStringLiteral("t10k-images-idx3-ubyte")), header, false);
    std::vector<uint8_t> labels;
    for (uint32_t v : {0x801u, 1u << 26})
        testing::putBigEndian(labels, v);
    testing::writeFile(dir.filePath(QStringLiteral("t10k-labels-idx1-ubyte")), labels, false);
    const QString error = openError(dir.path().toStdString(), data::Split::Test);
    QVERIFY2(error.contains(QLatin1String("truncated")), qPrintable(error));
    // A 600-byte PNG whose text chunk claims 1.9 GB is damaged, not decoded (fuzzing found it).
    const QString folder = dir.filePath(QStringLiteral("images"));
    testing::writeImageFolder(folder, 2, 5, {{8, 8}});
    const QString hostile = QDir(folder).entryList(QDir::Dirs | QDir::NoDotAndDotDot).first();
    QFile png(QDir(folder).filePath(hostile) + QStringLiteral("/hostile.png"));
    QVERIFY(png.open(QIODevice::WriteOnly));
    png.write(QByteArray::fromHex("89504e470d0a1a0a0000000d4948445200000008000000080802"
                                  "0000004b6d29dc74004000007445587400"));
    png.close();
    data::ImageFolderOptions options;
    options.size = 8;
    const auto d = data::DatasetReader::open(folder.toStdString(), data::Split::Train, options);
    QCOMPARE(d.unreadableCount, int64_t(1));
}

void TestDatasets::rejectsCifarLabelsPastTheClasses()
{
    QTemporaryDir dir;
    std::vector<uint8_t> records(2 * 3073, 7);
    records[3073] = 200; // the second record's label, in a dataset of 10 classes
    testing::writeFile(dir.filePath(QStringLiteral("test_batch.bin")), records, false);
    const QString error = openError(dir.path().toStdString(), data::Split::Test);
    QVERIFY2(error.contains(QLatin1String("label 200")), qPrintable(error));
}

void TestDatasets::transformMatchesModelChannels()
{
    const auto grey = torch::full({2, 1, 4, 4}, 255, torch::kUInt8);
    data::InputTransform toRgb{{0.5f}, {0.5f}, 3};
    const auto rgb = toRgb.apply(grey);
    QCOMPARE(rgb.sizes().vec(), (std::vector<int64_t>{2, 3, 4, 4}));
    QCOMPARE(rgb.max().item<float>(), 1.0f);
    data::InputTransform perChannel{{0.f, 0.5f, 1.f}, {1.f, 1.f, 1.f}, 0};
    const auto out = perChannel.apply(torch::full({1, 3, 2, 2}, 255, torch::kUInt8));
    QCOMPARE(out[0][2][0][0].item<float>(), 0.0f);
    data::InputTransform wrong{{0.f, 0.f}, {1.f}, 0};
    QVERIFY_THROWS_EXCEPTION(Error, wrong.apply(grey));
}

void TestDatasets::subsetsAreDeterministic()
{
    data::Dataset d;
    d.images = torch::zeros({100, 1, 2, 2}, torch::kUInt8);
    d.labels = torch::arange(100);
    const auto a = data::BatchLoader::randomSubset(d, 10, 42);
    QVERIFY(torch::equal(a, data::BatchLoader::randomSubset(d, 10, 42)));
    QVERIFY(!torch::equal(a, data::BatchLoader::randomSubset(d, 10, 43)));
    QCOMPARE(std::get<0>(torch::_unique(a)).numel(), int64_t(10));
    data::BatchLoader loader(d, {}, a, 4);
    QCOMPARE(loader.batchCount(), int64_t(3));
    QCOMPARE(loader.batch(2).labels.numel(), int64_t(2));
}

QTEST_GUILESS_MAIN(TestDatasets)
#include "tst_datasets.moc"
