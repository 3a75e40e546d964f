// SPDX-License-Identifier: MIT
// jsonField: a field of a JSON record from outside (a workspace file, a run's settings, a device's
// answer) comes back when it is there with the right type, and the fallback comes back in every
// other case — never a thrown type_error, never an integer made from a float.
#include "json_field.h"

#include <QTest>

using nlohmann::json;
using quantscope::jsonField;

class TestJsonField : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fieldsOfTheirTypeComeThrough();
    void aRecordThatIsNoObjectGivesTheFallback();
    void aFieldOfAnotherTypeGivesTheFallback();
    void integersComeOnlyFromIntegers();
    void aJsonValueMustHaveTheFallbacksType();
};

void TestJsonField::fieldsOfTheirTypeComeThrough()
{
    const json record = {{"name", "conv1"}, {"cores", 8}, {"median", 0.25}, {"whole", 3},
                         {"emulated", true}, {"mean", {0.5, 0.25}}};
    QCOMPARE(jsonField(record, "name", ""), std::string("conv1"));
    QCOMPARE(jsonField(record, "cores", 0), 8);
    QCOMPARE(jsonField(record, "median", 0.0), 0.25);
    QCOMPARE(jsonField(record, "whole", 0.0), 3.0); // an integer is a number
    QCOMPARE(jsonField(record, "emulated", false), true);
    QCOMPARE(jsonField(record, "mean", std::vector<float>{}), (std::vector<float>{0.5f, 0.25f}));
    QCOMPARE(jsonField(record, "missing", 7), 7);
}

void TestJsonField::aRecordThatIsNoObjectGivesTheFallback()
{
    for (const json &record : {json(), json(3), json("text"), json::array({1, 2})}) {
        QCOMPARE(jsonField(record, "name", "none"), std::string("none"));
        QCOMPARE(jsonField(record, "cores", -1), -1);
    }
}

void TestJsonField::aFieldOfAnotherTypeGivesTheFallback()
{
    const json record = {{"name", 12}, {"median", "fast"}, {"emulated", 1},
                         {"mean", {0.5, "x"}}, {"std", 0.5}};
    QCOMPARE(jsonField(record, "name", ""), std::string());
    QCOMPARE(jsonField(record, "median", -1.0), -1.0);
    QCOMPARE(jsonField(record, "emulated", false), false);
    QCOMPARE(jsonField(record, "mean", std::vector<float>{1}), std::vector<float>{1});
    QCOMPARE(jsonField(record, "std", std::vector<float>{1}), std::vector<float>{1});
}

void TestJsonField::integersComeOnlyFromIntegers()
{
    const json record = {{"big", 1e300}, {"half", 2.5}, {"text", "3"}, {"flag", true}};
    for (const char *key : {"big", "half", "text", "flag"})
        QCOMPARE(jsonField<int64_t>(record, key, 0), int64_t(0));
}

void TestJsonField::aJsonValueMustHaveTheFallbacksType()
{
    const json record = {{"backends", {{"backend", "int8"}}}, {"ops", {1, 2}}};
    // An object where an array is expected: iterating it would walk its values instead.
    QVERIFY(jsonField(record, "backends", json::array()).is_array());
    QCOMPARE(jsonField(record, "backends", json::array()).size(), size_t(0));
    QCOMPARE(jsonField(record, "ops", json::array()).size(), size_t(2));
    QVERIFY(jsonField(record, "ops", json::object()).empty());
}

QTEST_APPLESS_MAIN(TestJsonField)
#include "tst_json_field.moc"
