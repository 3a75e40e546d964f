// SPDX-License-Identifier: MIT
// Method settings: defaults, validation against ParamSpecs, settings that apply only under a
// condition (and the warning when one is set where it does not), and the bit plan (first/last
// layer at 8 bits, per-layer overrides).
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
    void conditionalSettings_data();
    void conditionalSettings();
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
    QTest::newRow("out of range") << "calib_images" << "0" << "outside 1 … 100000";
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

// BRECQ's chain: allocation_draw applies with allocation=random, which applies with
// mixed_precision=true. The warning names the first link that does not hold; a value equal to
// the default in another spelling is no setting at all.
void TestMethodSettings::conditionalSettings_data()
{
    QTest::addColumn<QString>("settings"); // key=value;key=value
    QTest::addColumn<bool>("drawApplies");
    QTest::addColumn<QString>("warning"); // "" = none
    QTest::newRow("defaults") << "" << false << "";
    QTest::newRow("target without mixed") << "target_bits=2.5" << false
                                          << "target_bits=2.5 has no effect: it applies only "
                                             "with mixed_precision=true";
    QTest::newRow("default target, other spelling") << "target_bits=3.0" << false << "";
    QTest::newRow("draw, allocation search") << "mixed_precision=true;allocation_draw=4" << false
                                             << "only with allocation=random";
    QTest::newRow("draw, mixed off") << "allocation=random;allocation_draw=4" << false
                                     << "only with mixed_precision=true";
    QTest::newRow("whole chain") << "mixed_precision=1;allocation=random;allocation_draw=4"
                                 << true << "";
}

void TestMethodSettings::conditionalSettings()
{
    QFETCH(QString, settings);
    QFETCH(bool, drawApplies);
    QFETCH(QString, warning);
    std::map<std::string, std::string> values;
    for (const auto &pair : settings.split(u';', Qt::SkipEmptyParts))
        values[pair.section(u'=', 0, 0).toStdString()] = pair.section(u'=', 1).toStdString();
    quant::MethodSettings s(quant::Method::create("brecq")->params(), values);
    QCOMPARE(s.applies("allocation_draw"), drawApplies);
    QVERIFY(s.applies("iterations"));
    const auto warnings = s.ineffective();
    if (warning.isEmpty()) {
        QVERIFY2(warnings.empty(), warnings.empty() ? "" : warnings[0].c_str());
        return;
    }
    QVERIFY(!warnings.empty());
    for (const auto &w : warnings) // with mixed off, allocation=random is a second one
        QVERIFY2(QString::fromStdString(w).contains(warning), w.c_str());
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
