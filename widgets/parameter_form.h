// SPDX-License-Identifier: MIT
// ParameterForm: an editor generated from a method's ParamSpecs — a spin box, check box, choice
// or validated number field per parameter, with the spec's range, default and help as tooltip.
// A parameter that applies only while another has a value (ParamSpec::appliesWhen) is greyed out
// while it does not.
#pragma once

#include "quant/param_spec.h"

#include <QWidget>

#include <map>
#include <string>
#include <vector>

class QFormLayout;

namespace quantscope::widgets {

class ParameterForm : public QWidget
{
    Q_OBJECT
public:
    explicit ParameterForm(QWidget *parent = nullptr);

    void setSpecs(std::vector<quant::ParamSpec> specs);
    // Every parameter's value as text (the --set key=value form).
    std::map<std::string, std::string> values() const;
    // Those that apply (the editor is not greyed out): what a run gets, so one never carries a
    // value the user could not see take effect, and takes the default instead.
    std::map<std::string, std::string> applicableValues() const;
    // Sets the keys present in `values`; unknown keys are ignored (settings of an older version).
    void setValues(const std::map<std::string, std::string> &values);
    void resetToDefaults();
    // Empty when every field holds an acceptable value, else which field is wrong and why.
    QString problem() const;
    QWidget *editor(const std::string &key) const;
    // Whether the parameter when names applies (is not greyed out) and has when's value; false
    // for a key the form does not have.
    bool holds(const quant::ParamSpec::Condition &when) const;

Q_SIGNALS:
    void changed();

private:
    int indexOf(const std::string &key) const; // -1 when no spec has it
    QString valueOf(size_t i) const;
    void setValue(size_t i, const QString &value);
    // Enables each editor whose condition holds, in spec order, so a chain of conditions
    // (allocation_draw → allocation → mixed_precision) follows its first link.
    void updateApplicability();

    QFormLayout *m_layout;
    std::vector<quant::ParamSpec> m_specs;
    std::vector<QWidget *> m_editors;
};

} // namespace quantscope::widgets
