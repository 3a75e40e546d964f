// SPDX-License-Identifier: MIT
#include "parameter_form.h"

#include "wheel_guard.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleValidator>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

#include <limits>

namespace quantscope::widgets {

using quant::ParamSpec;

ParameterForm::ParameterForm(QWidget *parent) : QWidget(parent), m_layout(new QFormLayout(this))
{
    m_layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    connect(this, &ParameterForm::changed, this, &ParameterForm::updateApplicability);
}

void ParameterForm::setSpecs(std::vector<ParamSpec> specs)
{
    while (m_layout->rowCount() > 0)
        m_layout->removeRow(0);
    m_editors.clear();
    m_specs = std::move(specs);
    for (const auto &spec : m_specs) {
        QWidget *editor = nullptr;
        switch (spec.type) {
        case ParamSpec::Type::Int: {
            auto *spin = new QSpinBox(this);
            // Specs use 0/0 for "no bound"; QSpinBox needs a concrete one.
            const bool bounded = spec.maximum > spec.minimum;
            spin->setRange(bounded ? int(spec.minimum) : 0,
                           bounded ? int(std::min<double>(spec.maximum,
                                                          std::numeric_limits<int>::max()))
                                   : std::numeric_limits<int>::max());
            connect(spin, &QSpinBox::valueChanged, this, &ParameterForm::changed);
            editor = spin;
            break;
        }
        case ParamSpec::Type::Double: {
            // Text with a validator rather than QDoubleSpinBox: learning rates span 1e-5…1 and
            // a fixed number of decimals either hides them or pads them with zeros.
            auto *line = new QLineEdit(this);
            auto *validator = new QDoubleValidator(line);
            if (spec.maximum > spec.minimum)
                validator->setRange(spec.minimum, spec.maximum, 10);
            validator->setNotation(QDoubleValidator::ScientificNotation);
            validator->setLocale(QLocale::c());
            line->setValidator(validator);
            connect(line, &QLineEdit::textChanged, this, &ParameterForm::changed);
            editor = line;
            break;
        }
        case ParamSpec::Type::Bool: {
            auto *check = new QCheckBox(this);
            connect(check, &QCheckBox::toggled, this, &ParameterForm::changed);
            editor = check;
            break;
        }
        case ParamSpec::Type::Choice: {
            auto *combo = new QComboBox(this);
            for (const auto &c : spec.choices)
                combo->addItem(QString::fromStdString(c));
            connect(combo, &QComboBox::currentIndexChanged, this, &ParameterForm::changed);
            editor = combo;
            break;
        }
        }
        editor->setObjectName(QString::fromStdString(spec.key));
        QString tip = QString::fromStdString(spec.help);
        if (spec.type != ParamSpec::Type::Bool && spec.type != ParamSpec::Type::Choice &&
            spec.maximum > spec.minimum)
            tip += tr("\nRange %1 … %2").arg(spec.minimum).arg(spec.maximum);
        if (!spec.appliesWhen.key.empty())
            tip += tr("\nApplies only with %1=%2.")
                       .arg(QString::fromStdString(spec.appliesWhen.key),
                            QString::fromStdString(spec.appliesWhen.value));
        tip += tr("\nDefault: %1 (--set %2=…)")
                   .arg(QString::fromStdString(spec.defaultValue), QString::fromStdString(spec.key));
        editor->setToolTip(tip);
        m_editors.push_back(editor);
        m_layout->addRow(QString::fromStdString(spec.label) + QLatin1Char(':'), editor);
        m_layout->labelForField(editor)->setToolTip(tip);
    }
    WheelGuard::guard(this);
    resetToDefaults();
    updateApplicability();
}

void ParameterForm::updateApplicability()
{
    for (size_t i = 0; i < m_specs.size(); ++i) {
        const auto &when = m_specs[i].appliesWhen;
        if (when.key.empty())
            continue;
        const bool applies = holds(when);
        m_editors[i]->setEnabled(applies);
        if (auto *label = m_layout->labelForField(m_editors[i]))
            label->setEnabled(applies);
    }
}

bool ParameterForm::holds(const quant::ParamSpec::Condition &when) const
{
    const int c = indexOf(when.key);
    return c >= 0 && m_editors[size_t(c)]->isEnabledTo(this) &&
           valueOf(size_t(c)) == QString::fromStdString(when.value);
}

void ParameterForm::resetToDefaults()
{
    for (size_t i = 0; i < m_specs.size(); ++i)
        setValue(i, QString::fromStdString(m_specs[i].defaultValue));
}

QString ParameterForm::valueOf(size_t i) const
{
    QWidget *editor = m_editors[i];
    switch (m_specs[i].type) {
    case ParamSpec::Type::Int: return QString::number(static_cast<QSpinBox *>(editor)->value());
    case ParamSpec::Type::Double: return static_cast<QLineEdit *>(editor)->text().trimmed();
    case ParamSpec::Type::Bool:
        return static_cast<QCheckBox *>(editor)->isChecked() ? QStringLiteral("true")
                                                             : QStringLiteral("false");
    case ParamSpec::Type::Choice: return static_cast<QComboBox *>(editor)->currentText();
    }
    return {};
}

void ParameterForm::setValue(size_t i, const QString &value)
{
    QWidget *editor = m_editors[i];
    switch (m_specs[i].type) {
    case ParamSpec::Type::Int: static_cast<QSpinBox *>(editor)->setValue(value.toInt()); break;
    case ParamSpec::Type::Double: static_cast<QLineEdit *>(editor)->setText(value); break;
    case ParamSpec::Type::Bool:
        static_cast<QCheckBox *>(editor)->setChecked(value == QLatin1String("true") ||
                                                     value == QLatin1String("1"));
        break;
    case ParamSpec::Type::Choice: {
        auto *combo = static_cast<QComboBox *>(editor);
        const int index = combo->findText(value);
        if (index >= 0)
            combo->setCurrentIndex(index);
        break;
    }
    }
}

std::map<std::string, std::string> ParameterForm::values() const
{
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < m_specs.size(); ++i)
        out[m_specs[i].key] = valueOf(i).toStdString();
    return out;
}

std::map<std::string, std::string> ParameterForm::applicableValues() const
{
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < m_specs.size(); ++i)
        if (m_editors[i]->isEnabledTo(this))
            out[m_specs[i].key] = valueOf(i).toStdString();
    return out;
}

void ParameterForm::setValues(const std::map<std::string, std::string> &values)
{
    for (size_t i = 0; i < m_specs.size(); ++i)
        if (auto it = values.find(m_specs[i].key); it != values.end())
            setValue(i, QString::fromStdString(it->second));
}

QString ParameterForm::problem() const
{
    for (size_t i = 0; i < m_specs.size(); ++i) {
        if (m_specs[i].type != ParamSpec::Type::Double)
            continue;
        auto *line = static_cast<QLineEdit *>(m_editors[i]);
        if (!line->hasAcceptableInput())
            return tr("%1: \"%2\" is not a number in %3 … %4")
                .arg(QString::fromStdString(m_specs[i].label), line->text())
                .arg(m_specs[i].minimum)
                .arg(m_specs[i].maximum);
    }
    return {};
}

int ParameterForm::indexOf(const std::string &key) const
{
    for (size_t i = 0; i < m_specs.size(); ++i)
        if (m_specs[i].key == key)
            return int(i);
    return -1;
}

QWidget *ParameterForm::editor(const std::string &key) const
{
    const int i = indexOf(key);
    return i >= 0 ? m_editors[size_t(i)] : nullptr;
}

} // namespace quantscope::widgets
