// SPDX-License-Identifier: MIT
// Method settings: defaults, validation against ParamSpecs, and the bit plan (first/last layer
// at 8 bits, per-layer overrides).
#include "error.h"
#include "quant/bit_plan.h"
#include "quant/method.h"

#include <QTest>

using namespace quantscope;

class TestMethodSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsFromSpecs();
    void rejectsBadValues_data();
    void rejectsBadValues();
    void bitPlanKeepsEdgesAtEightBits();
    void bitPlanOverrides();
    void unknownMethod();
};

void TestMethodSettings::defaultsFromSpecs()
{
    const auto rtn = quant::Method::create("rtn");
    quant::MethodSettings s(rtn->params(), {{"calib_images", "64"}});
    QCOMPARE(s.integer("calib_images"), 64);
    QCOMPARE(s.flag("per_channel"), true);
    QCOMPARE(s.text("clip"), std::string("mse"));
    QCOMPARE(s.effectiveValues().at("first_last_bits"), std::string("8"));
}

void TestMethodSettings::rejectsBadValues_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown key") << "nope" << "1" << "unknown setting 'nope'";
    QTest::newRow("not a number") << "calib_images" << "many" << "not a number";
    QTest::newRow("fraction") << "calib_images" << "2.5" << "not a whole number";
    QTest::newRow("out of range") << "calib_images" << "0" << "outside";
    QTest::newRow("bad choice") << "clip" << "max" << "expected one of mse, minmax";
    QTest::newRow("bad bool") << "per_channel" << "yes" << "true or false";
}

void TestMethodSettings::rejectsBadValues()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, expected);
    const auto rtn = quant::Method::create("rtn");
    try {
        quant::MethodSettings s(rtn->params(), {{key.toStdString(), value.toStdString()}});
        QFAIL("accepted");
    } catch (const Error &e) {
        QVERIFY2(QString::fromStdString(e.what()).contains(expected), e.what());
    }
}

static std::vector<model::LayerInfo> threeLayers()
{
    std::vector<model::LayerInfo> layers(3);
    layers[0].name = "first";
    layers[1].name = "middle";
    layers[2].name = "last";
    return layers;
}

void TestMethodSettings::bitPlanKeepsEdgesAtEightBits()
{
    const auto rtn = quant::Method::create("rtn");
    quant::MethodSettings s(rtn->params(), {});
    s.wbits = 2;
    s.abits = 4;
    auto plan = quant::BitPlan::make(threeLayers(), s);
    QCOMPARE(plan.wbits, (std::vector<int>{8, 2, 8}));
    QCOMPARE(plan.abits, (std::vector<int>{8, 4, 4}));
    quant::MethodSettings same(rtn->params(), {{"first_last_bits", "0"}});
    same.wbits = 2;
    same.abits = 32;
    plan = quant::BitPlan::make(threeLayers(), same);
    QCOMPARE(plan.wbits, (std::vector<int>{2, 2, 2}));
    QCOMPARE(plan.abits, (std::vector<int>{32, 32, 32}));
}

void TestMethodSettings::bitPlanOverrides()
{
    const auto rtn = quant::Method::create("rtn");
    quant::MethodSettings s(rtn->params(), {});
    s.wbits = 4;
    s.layerBits = {{"middle", 3}};
    QCOMPARE(quant::BitPlan::make(threeLayers(), s).wbits, (std::vector<int>{8, 3, 8}));
    s.layerBits = {{"nowhere", 3}};
    QVERIFY_THROWS_EXCEPTION(Error, quant::BitPlan::make(threeLayers(), s));
}

void TestMethodSettings::unknownMethod()
{
    try {
        quant::Method::create("magic");
        QFAIL("accepted");
    } catch (const Error &e) {
        QVERIFY(QString::fromStdString(e.what()).contains(QLatin1String("available: rtn")));
    }
}

QTEST_GUILESS_MAIN(TestMethodSettings)
#include "tst_method_settings.moc"
