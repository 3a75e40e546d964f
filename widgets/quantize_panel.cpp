// SPDX-License-Identifier: MIT
#include "quantize_panel.h"

#include "parameter_form.h"
#include "wheel_guard.h"

#include <algorithm>

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

namespace quantscope::widgets {

namespace {
std::vector<float> parseFloats(const QString &text, bool *ok)
{
    std::vector<float> out;
    *ok = true;
    for (const auto &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool good = false;
        out.push_back(part.trimmed().toFloat(&good));
        *ok = *ok && good;
    }
    return out;
}
} // namespace

QuantizePanel::QuantizePanel(QWidget *parent)
    : QWidget(parent), m_modelLabel(new QLabel(this)), m_dataLabel(new QLabel(this)),
      m_mean(new QLineEdit(this)), m_std(new QLineEdit(this)),
      m_normalisationSource(new QLabel(this)),
      m_imageSize(new QSpinBox(this)), m_methodCombo(new QComboBox(this)),
      m_device(new QComboBox(this)),
      m_wbits(new QSpinBox(this)), m_abits(new QSpinBox(this)), m_form(new ParameterForm(this)),
      m_layerBits(new QLineEdit(this)), m_problem(new QLabel(this)),
      m_run(new QPushButton(tr("Run"), this))
{
    for (auto *label : {m_modelLabel, m_dataLabel}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    auto *openModel = new QPushButton(tr("Model…"), this);
    auto *openData = new QPushButton(tr("Dataset…"), this);
    connect(openModel, &QPushButton::clicked, this, &QuantizePanel::openModelRequested);
    connect(openData, &QPushButton::clicked, this, &QuantizePanel::openDatasetRequested);
    m_mean->setToolTip(tr("Per-channel mean subtracted from pixels in [0, 1], comma separated; "
                          "empty: the greyed value (the model's metadata, else computed on "
                          "the training images)"));
    m_std->setToolTip(tr("Per-channel standard deviation, comma separated; empty: the greyed "
                         "value (the model's metadata, else computed on the training images)"));
    m_mean->setObjectName(QStringLiteral("mean"));
    m_std->setObjectName(QStringLiteral("std"));
    m_normalisationSource->setWordWrap(true);
    m_normalisationSource->setEnabled(false); // greyed like the values it explains
    auto *recompute = new QPushButton(tr("Recompute"), this);
    recompute->setObjectName(QStringLiteral("recomputeNormalisation"));
    recompute->setToolTip(tr("Clear the fields and compute mean and std from the dataset's "
                             "training images again"));
    auto *raw = new QPushButton(tr("Raw [0, 1]"), this);
    raw->setObjectName(QStringLiteral("rawNormalisation"));
    raw->setToolTip(tr("No normalisation: mean 0, std 1"));
    connect(recompute, &QPushButton::clicked, this, [this] {
        m_mean->clear();
        m_std->clear();
        Q_EMIT recomputeNormalisationRequested();
    });
    connect(raw, &QPushButton::clicked, this, [this] {
        m_mean->setText(QStringLiteral("0"));
        m_std->setText(QStringLiteral("1"));
    });
    auto *normalisationButtons = new QHBoxLayout;
    normalisationButtons->addStretch();
    normalisationButtons->addWidget(recompute);
    normalisationButtons->addWidget(raw);
    m_imageSize->setRange(0, 4096); // the minimum reads as "auto": the model's, else the images'
    m_imageSize->setSpecialValueText(tr("auto"));
    m_imageSize->setSuffix(tr(" px"));
    m_imageSize->setKeyboardTracking(false); // re-checking the dataset per keystroke is slow
    m_imageSize->setToolTip(tr("Side of the square images fed to the model: ImageFolder "
                               "images are decoded at this size, IDX and CIFAR images resized "
                               "to it. Auto: the size the model records, else the images' own "
                               "(224 for images of mixed sizes); the dataset line says which"));
    connect(m_imageSize, &QSpinBox::valueChanged, this, &QuantizePanel::imageSizeChanged);

    auto *inputs = new QGroupBox(tr("Model and data"), this);
    auto *inputsLayout = new QFormLayout(inputs);
    inputsLayout->addRow(openModel, m_modelLabel);
    inputsLayout->addRow(openData, m_dataLabel);
    inputsLayout->addRow(tr("Mean:"), m_mean);
    inputsLayout->addRow(tr("Std:"), m_std);
    inputsLayout->addRow(m_normalisationSource);
    inputsLayout->addRow(normalisationButtons);
    inputsLayout->addRow(tr("Input size:"), m_imageSize);

    m_wbits->setRange(1, 8);
    m_wbits->setValue(4);
    m_abits->setRange(1, 8); // the minimum reads as "float": activations stay 32-bit
    m_abits->setSpecialValueText(tr("float"));
    m_abits->setValue(1);
    m_abits->setToolTip(tr("Activation bits at the input of each quantized layer; \"float\" "
                           "leaves activations unquantized (A32)"));
    m_layerBits->setPlaceholderText(tr("e.g. conv1=8, fc=8"));
    m_layerBits->setToolTip(tr("Weight bits for single layers, by the names in the model table"));

    auto *method = new QGroupBox(tr("Method"), this);
    auto *methodLayout = new QFormLayout(method);
    methodLayout->addRow(tr("Method:"), m_methodCombo);
    methodLayout->addRow(tr("Device:"), m_device);
    methodLayout->addRow(tr("Weight bits:"), m_wbits);
    methodLayout->addRow(tr("Activation bits:"), m_abits);
    methodLayout->addRow(m_form);
    methodLayout->addRow(tr("Per-layer bits:"), m_layerBits);

    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b02020"));
    m_run->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(inputs);
    layout->addWidget(method);
    layout->addWidget(m_problem);
    layout->addWidget(m_run);
    layout->addStretch();

    connect(m_methodCombo, &QComboBox::currentIndexChanged, this, &QuantizePanel::methodChanged);
    m_device->setObjectName(QStringLiteral("device"));
    m_wbits->setObjectName(QStringLiteral("wbits"));
    setDevices({QStringLiteral("cpu")}, QString());
    connect(m_device, &QComboBox::currentIndexChanged, this, &QuantizePanel::updateRunButton);
    connect(m_form, &ParameterForm::changed, this, &QuantizePanel::updateRunButton);
    connect(m_form, &ParameterForm::changed, this, &QuantizePanel::updateWeightBits);
    for (auto *line : {m_layerBits, m_mean, m_std})
        connect(line, &QLineEdit::textChanged, this, &QuantizePanel::updateRunButton);
    connect(m_run, &QPushButton::clicked, this, [this] {
        if (problem().isEmpty())
            Q_EMIT runRequested();
    });
    WheelGuard::guard(this);
    setModel({}, {}, {});
    setDataset({}, {});
}

void QuantizePanel::setMethods(const std::vector<MethodDescription> &methods)
{
    m_methods = methods;
    const QSignalBlocker block(m_methodCombo);
    m_methodCombo->clear();
    for (const auto &m : m_methods)
        m_methodCombo->addItem(m.title, m.name);
    m_methodCombo->setCurrentIndex(0);
    methodChanged();
}

void QuantizePanel::methodChanged()
{
    const int i = m_methodCombo->currentIndex();
    m_form->setSpecs(i >= 0 ? m_methods[size_t(i)].params : std::vector<quant::ParamSpec>{});
    updateWeightBits();
    updateRunButton();
}

void QuantizePanel::updateWeightBits()
{
    const int i = m_methodCombo->currentIndex();
    const quant::ParamSpec::Condition when =
        i >= 0 ? m_methods[size_t(i)].weightBitsIgnoredWhen : quant::ParamSpec::Condition{};
    const bool ignored = m_form->holds(when);
    m_wbits->setEnabled(!ignored);
    if (auto *form = qobject_cast<QFormLayout *>(m_wbits->parentWidget()->layout()))
        if (auto *label = form->labelForField(m_wbits))
            label->setEnabled(!ignored);
    m_wbits->setToolTip(ignored ? tr("The method chooses every layer's weight bits itself (%1=%2)")
                                      .arg(QString::fromStdString(when.key),
                                           QString::fromStdString(when.value))
                                : tr("Weight bits for every quantized layer (first/last layer "
                                     "and per-layer overrides aside)"));
}

void QuantizePanel::setModel(const QString &path, const QString &summary,
                             const QStringList &layerNames)
{
    m_modelPath = path;
    m_layerNames = layerNames;
    m_modelLabel->setText(path.isEmpty() ? tr("no model open") : summary);
    m_modelLabel->setToolTip(path);
    updateRunButton();
}

void QuantizePanel::setDataset(const QString &path, const QString &summary)
{
    m_dataPath = path;
    m_dataLabel->setText(path.isEmpty() ? tr("no dataset open") : summary);
    m_dataLabel->setToolTip(path);
    updateRunButton();
}

void QuantizePanel::setDefaultNormalisation(const QString &mean, const QString &std,
                                            const QString &source)
{
    m_mean->setPlaceholderText(mean);
    m_std->setPlaceholderText(std);
    m_normalisationSource->setText(source);
}

void QuantizePanel::setDevices(const QStringList &devices, const QString &whyCpuOnly)
{
    const QSignalBlocker block(m_device);
    const QString previous = device();
    m_device->clear();
    for (const auto &name : devices)
        m_device->addItem(name == QLatin1String("cpu") ? tr("CPU") : tr("GPU %1").arg(name), name);
    m_device->setCurrentIndex(std::max(0, m_device->findData(previous)));
    m_device->setEnabled(devices.size() > 1);
    // Which methods run on a GPU is each method's own answer: the Run button's note says so.
    m_device->setToolTip(devices.size() > 1 ? tr("Where the run computes.") : whyCpuOnly);
    updateRunButton();
}

QString QuantizePanel::device() const
{
    return m_device->currentIndex() >= 0 ? m_device->currentData().toString()
                                         : QStringLiteral("cpu");
}

QString QuantizePanel::method() const
{
    return m_methodCombo->currentData().toString();
}

void QuantizePanel::setMethod(const QString &name)
{
    const int index = m_methodCombo->findData(name);
    if (index >= 0)
        m_methodCombo->setCurrentIndex(index);
}

int QuantizePanel::weightBits() const
{
    return m_wbits->value();
}

int QuantizePanel::activationBits() const
{
    return m_abits->value() == m_abits->minimum() ? 32 : m_abits->value();
}

void QuantizePanel::setBits(int weightBits, int activationBits)
{
    m_wbits->setValue(weightBits);
    m_abits->setValue(activationBits >= 32 ? m_abits->minimum() : activationBits);
}

std::map<std::string, std::string> QuantizePanel::settings() const
{
    return m_form->applicableValues();
}

void QuantizePanel::setSettings(const std::map<std::string, std::string> &values)
{
    m_form->setValues(values);
}

std::map<std::string, int> QuantizePanel::layerBits() const
{
    QString ignored;
    return parseLayerBits(&ignored);
}

std::map<std::string, int> QuantizePanel::parseLayerBits(QString *problem) const
{
    std::map<std::string, int> out;
    for (const auto &part : m_layerBits->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const auto pair = part.split(QLatin1Char('='));
        bool ok = pair.size() == 2;
        const int bits = ok ? pair[1].trimmed().toInt(&ok) : 0;
        if (!ok || bits < 1 || bits > 8) {
            *problem = tr("Per-layer bits: \"%1\" is not layer=bits with bits 1…8.")
                           .arg(part.trimmed());
            return {};
        }
        if (!m_layerNames.contains(pair[0].trimmed())) {
            *problem = tr("Per-layer bits: the model has no layer \"%1\".").arg(pair[0].trimmed());
            return {};
        }
        out[pair[0].trimmed().toStdString()] = bits;
    }
    return out;
}

std::vector<float> QuantizePanel::mean() const
{
    bool ok = false;
    return parseFloats(m_mean->text(), &ok);
}

std::vector<float> QuantizePanel::std() const
{
    bool ok = false;
    return parseFloats(m_std->text(), &ok);
}

int QuantizePanel::imageSize() const
{
    return m_imageSize->value();
}

void QuantizePanel::setImageSize(int pixels)
{
    const QSignalBlocker block(m_imageSize);
    m_imageSize->setValue(pixels);
}

QString QuantizePanel::normalisationProblem() const
{
    bool meanOk = false, stdOk = false;
    const auto mean = parseFloats(m_mean->text(), &meanOk);
    const auto std = parseFloats(m_std->text(), &stdOk);
    if (!meanOk || !stdOk)
        return tr("Mean and std must be numbers separated by commas.");
    for (float s : std)
        if (s <= 0)
            return tr("Every std value must be above 0.");
    return {};
}

QString QuantizePanel::problem() const
{
    if (m_modelPath.isEmpty())
        return tr("Open a model first (File ▸ Open Model).");
    if (m_dataPath.isEmpty())
        return tr("Open a dataset first (File ▸ Open Dataset).");
    if (const QString p = normalisationProblem(); !p.isEmpty())
        return p;
    if (const QString p = m_form->problem(); !p.isEmpty())
        return p;
    QString p;
    parseLayerBits(&p);
    return p;
}

void QuantizePanel::updateRunButton()
{
    const QString p = problem();
    m_problem->setText(p);
    m_problem->setVisible(!p.isEmpty());
    m_run->setEnabled(p.isEmpty());
}

} // namespace quantscope::widgets
