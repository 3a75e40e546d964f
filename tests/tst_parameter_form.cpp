// SPDX-License-Identifier: MIT
// ParameterForm builds its editors from ParamSpecs alone: the right kind of editor per type,
// defaults filled in, values read back as --set text, bad numbers reported; the wheel changes
// an editor only once it has the focus (WheelGuard), and else scrolls the panel holding it; an
// editor whose parameter applies only under a condition is greyed out while it does not hold.
#include "parameter_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QScrollArea>
#include <QWheelEvent>
#include <QLineEdit>
#include <QSpinBox>
#include <QTest>

using namespace quantscope;
using quant::ParamSpec;

class TestParameterForm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void editorsFollowTheSpecs();
    void valuesRoundTrip();
    void badNumberIsReported();
    void wheelChangesOnlyAFocusedEditor();
    void conditionalEditorsFollowTheirCondition();

private:
    static std::vector<ParamSpec> specs()
    {
        return {{"epochs", "Epochs", ParamSpec::Type::Int, "3", 1, 1000, {}, "Passes over data"},
                {"lr", "Learning rate", ParamSpec::Type::Double, "0.001", 1e-6, 1, {}, "Step"},
                {"per_channel", "Per channel", ParamSpec::Type::Bool, "true", 0, 0, {}, "Ranges"},
                {"optimizer", "Optimizer", ParamSpec::Type::Choice, "adam", 0, 0,
                 {"sgd", "adam"}, "Which"}};
    }
};

void TestParameterForm::editorsFollowTheSpecs()
{
    widgets::ParameterForm form;
    form.setSpecs(specs());
    auto *epochs = qobject_cast<QSpinBox *>(form.editor("epochs"));
    QVERIFY(epochs);
    QCOMPARE(epochs->value(), 3);
    QCOMPARE(epochs->maximum(), 1000);
    QVERIFY(epochs->toolTip().contains(QStringLiteral("Passes over data")));
    QVERIFY(qobject_cast<QLineEdit *>(form.editor("lr")));
    QVERIFY(qobject_cast<QCheckBox *>(form.editor("per_channel"))->isChecked());
    auto *optimizer = qobject_cast<QComboBox *>(form.editor("optimizer"));
    QCOMPARE(optimizer->count(), 2);
    QCOMPARE(optimizer->currentText(), QStringLiteral("adam"));
    QVERIFY(form.problem().isEmpty());
}

void TestParameterForm::valuesRoundTrip()
{
    widgets::ParameterForm form;
    form.setSpecs(specs());
    QCOMPARE(form.values(),
             (std::map<std::string, std::string>{
                 {"epochs", "3"}, {"lr", "0.001"}, {"per_channel", "true"}, {"optimizer", "adam"}}));
    form.setValues({{"epochs", "12"}, {"per_channel", "false"}, {"optimizer", "sgd"},
                    {"unknown", "x"}});
    const auto values = form.values();
    QCOMPARE(values.at("epochs"), std::string("12"));
    QCOMPARE(values.at("per_channel"), std::string("false"));
    QCOMPARE(values.at("optimizer"), std::string("sgd"));
    QCOMPARE(values.count("unknown"), size_t(0));
    form.resetToDefaults();
    QCOMPARE(form.values().at("epochs"), std::string("3"));
}

void TestParameterForm::badNumberIsReported()
{
    widgets::ParameterForm form;
    form.setSpecs(specs());
    auto *lr = qobject_cast<QLineEdit *>(form.editor("lr"));
    lr->setText(QStringLiteral("5")); // above the maximum of 1
    QVERIFY(form.problem().contains(QStringLiteral("Learning rate")));
    lr->setText(QStringLiteral("2e-4"));
    QVERIFY(form.problem().isEmpty());
    QCOMPARE(form.values().at("lr"), std::string("2e-4"));
}

void TestParameterForm::wheelChangesOnlyAFocusedEditor()
{
    QScrollArea area; // the Quantize dock holds its panel so
    auto *form = new widgets::ParameterForm;
    form->setSpecs(specs());
    form->setMinimumHeight(2000);
    area.setWidget(form);
    area.resize(300, 200);
    area.show();
    QVERIFY(QTest::qWaitForWindowExposed(&area));
    auto *optimizer = qobject_cast<QComboBox *>(form->editor("optimizer"));
    auto *epochs = qobject_cast<QSpinBox *>(form->editor("epochs"));
    const auto turn = [](QWidget *editor) {
        const QPointF at(editor->width() / 2.0, editor->height() / 2.0);
        QWheelEvent wheel(at, editor->mapToGlobal(at), QPoint(), QPoint(0, -120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(editor, &wheel);
    };
    form->editor("lr")->setFocus(); // the window's first editor would have it on showing
    turn(optimizer);
    turn(epochs);
    QCOMPARE(optimizer->currentText(), QStringLiteral("adam"));
    QCOMPARE(epochs->value(), 3);
    // A sent event stops at its receiver; a real (spontaneous) one goes on to the scroll area.

    epochs->setFocus();
    QVERIFY(epochs->hasFocus());
    turn(epochs);
    QCOMPARE(epochs->value(), 2);
}

// A chain like BRECQ's (a draw that needs a choice that needs a check box): each editor and its
// label are enabled exactly while every link of its chain holds, and its value is kept.
void TestParameterForm::conditionalEditorsFollowTheirCondition()
{
    widgets::ParameterForm form;
    form.setSpecs({{"mixed", "Mixed", ParamSpec::Type::Bool, "false"},
                   {"allocation", "Allocation", ParamSpec::Type::Choice, "search", 0, 0,
                    {"search", "random"}, "", {"mixed", "true"}},
                   {"draw", "Draw", ParamSpec::Type::Int, "1", 1, 9, {}, "",
                    {"allocation", "random"}}});
    auto *mixed = qobject_cast<QCheckBox *>(form.editor("mixed"));
    auto *allocation = qobject_cast<QComboBox *>(form.editor("allocation"));
    auto *draw = form.editor("draw");
    const auto *layout = qobject_cast<QFormLayout *>(form.layout());
    QVERIFY(mixed && allocation && draw && layout);
    QVERIFY(!allocation->isEnabled() && !draw->isEnabled());
    QVERIFY(!layout->labelForField(allocation)->isEnabled());

    mixed->setChecked(true);
    QVERIFY(allocation->isEnabled() && layout->labelForField(allocation)->isEnabled());
    QVERIFY(!draw->isEnabled());
    allocation->setCurrentText(QStringLiteral("random"));
    QVERIFY(draw->isEnabled());

    mixed->setChecked(false); // the first link breaks the whole chain; values stay
    QVERIFY(!allocation->isEnabled() && !draw->isEnabled());
    QCOMPARE(form.values().at("allocation"), std::string("random"));
    QCOMPARE(form.applicableValues().count("allocation"), size_t(0)); // a run gets the default
    QCOMPARE(form.applicableValues().count("mixed"), size_t(1));

    form.setValues({{"mixed", "true"}}); // stored settings enable it too
    QVERIFY(draw->isEnabled());
    form.setEnabled(false); // a disabled panel (a run going on) changes nothing applicable
    QCOMPARE(form.applicableValues().size(), size_t(3));
    mixed->setChecked(false);
    mixed->setChecked(true);
    form.setEnabled(true);
    QVERIFY(draw->isEnabled());
}

QTEST_MAIN(TestParameterForm)
#include "tst_parameter_form.moc"
