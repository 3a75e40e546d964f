// SPDX-License-Identifier: MIT
// QuantizePanel: everything a run needs — the model and dataset (with normalisation), a method
// and its generated parameter form, W/A bits, per-layer bit overrides — and the Run button.
#pragma once

#include "quant/param_spec.h"

#include <QWidget>

#include <map>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace quantscope::widgets {

class ParameterForm;

struct MethodDescription
{
    QString name;  // "rtn"
    QString title; // "Round to nearest (RTN)"
    std::vector<quant::ParamSpec> params;
    quant::ParamSpec::Condition weightBitsIgnoredWhen; // Method::weightBitsIgnoredWhen
};

class QuantizePanel : public QWidget
{
    Q_OBJECT
public:
    explicit QuantizePanel(QWidget *parent = nullptr);

    void setMethods(const std::vector<MethodDescription> &methods);
    void setModel(const QString &path, const QString &summary, const QStringList &layerNames);
    void setDataset(const QString &path, const QString &summary);
    // The normalisation a run gets while the fields are empty (the model's metadata, else
    // computed from the data), shown greyed in the fields; source says where it came from.
    void setDefaultNormalisation(const QString &mean, const QString &std, const QString &source);

    QString method() const;
    void setMethod(const QString &name);
    // The devices a run can compute on ("cpu", "cuda:0", …); with the CPU alone, whyCpuOnly
    // says why there is no GPU to choose.
    void setDevices(const QStringList &devices, const QString &whyCpuOnly);
    QString device() const;
    int weightBits() const;
    int activationBits() const; // 32 = float
    void setBits(int weightBits, int activationBits);
    // The method settings a run gets: those that apply (ParameterForm::applicableValues).
    std::map<std::string, std::string> settings() const;
    void setSettings(const std::map<std::string, std::string> &values);
    // Empty while the overrides are wrong: problem() says why, and Run stays disabled.
    std::map<std::string, int> layerBits() const;
    std::vector<float> mean() const;
    std::vector<float> std() const;
    int imageSize() const; // pixels; 0 = the size the model records
    void setImageSize(int pixels);
    // Empty when a run can start, else what is missing or wrong (shown next to Run).
    QString problem() const;

    ParameterForm *form() const { return m_form; }
    QPushButton *runButton() const { return m_run; }

Q_SIGNALS:
    void runRequested();
    void openModelRequested();
    void openDatasetRequested();
    // Recompute pressed: the fields were cleared, the defaults should be computed afresh.
    void recomputeNormalisationRequested();
    // The input size was committed (Enter, arrows, focus out), not on every keystroke.
    void imageSizeChanged(int pixels);

private:
    void methodChanged();
    void updateRunButton();
    // Greys out the weight bits while the method's settings make it choose them itself.
    void updateWeightBits();
    QString normalisationProblem() const;
    // The per-layer overrides, or {} with *problem set at the first bad entry.
    std::map<std::string, int> parseLayerBits(QString *problem) const;

    std::vector<MethodDescription> m_methods;
    QStringList m_layerNames;
    QLabel *m_modelLabel;
    QLabel *m_dataLabel;
    QString m_modelPath;
    QString m_dataPath;
    QLineEdit *m_mean;
    QLineEdit *m_std;
    QLabel *m_normalisationSource;
    QSpinBox *m_imageSize;
    QComboBox *m_methodCombo;
    QComboBox *m_device;
    QSpinBox *m_wbits;
    QSpinBox *m_abits;
    ParameterForm *m_form;
    QLineEdit *m_layerBits;
    QLabel *m_problem;
    QPushButton *m_run;
};

} // namespace quantscope::widgets
