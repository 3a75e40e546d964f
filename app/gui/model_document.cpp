// SPDX-License-Identifier: MIT
#include "model_document.h"

#include "analysis/evaluator.h"
#include "data/dataset_reader.h"
#include "jobs/model_inputs.h"
#include "model/model_probe.h"
#include "torch_runtime.h"

#include <QDir>
#include <QFileInfo>
#include <QStringList>

namespace quantscope::gui {

namespace {
// Test images the float model is checked on when a dataset opens: enough to tell chance from a
// working model, few enough to take a moment on a large network.
constexpr int64_t kCheckImages = 200;

QString joined(const std::vector<float> &values)
{
    QStringList parts;
    for (float v : values)
        parts << QString::number(double(v), 'g', 4);
    return parts.join(QStringLiteral(", "));
}
} // namespace

void ModelDocument::openModel(const QString &path)
{
    if (!m_probeProgram.isEmpty())
        model::ModelProbe::check(m_probeProgram.toStdString(), path.toStdString());
    auto graph = std::make_unique<model::QuantGraph>(path.toStdString());
    std::swap(m_graph, graph);
    m_modelPath = QFileInfo(path).absoluteFilePath();
    if (!m_dataPath.isEmpty()) {
        // The dataset may not fit the new model; keep the model and drop the dataset.
        try {
            describeDataset(*m_graph, m_dataPath, m_imageSize);
        } catch (...) {
            closeDataset();
            throw;
        }
    }
}

void ModelDocument::openDataset(const QString &path)
{
    const QString absolute = QDir(path).absolutePath();
    if (m_graph)
        describeDataset(*m_graph, absolute, m_imageSize);
    else
        describeDataset(absolute);
    m_dataPath = absolute;
}

void ModelDocument::setImageSize(int64_t size)
{
    if (size == m_imageSize)
        return;
    if (m_graph && !m_dataPath.isEmpty()) {
        // Checking a size probes the model and overwrites the input shape it records, so start
        // from the file each time: going back to 0 must find the model's own size again.
        auto graph = std::make_unique<model::QuantGraph>(m_modelPath.toStdString());
        describeDataset(*graph, m_dataPath, size);
        m_graph = std::move(graph);
    }
    m_imageSize = size;
}

void ModelDocument::closeDataset()
{
    m_dataPath.clear();
    m_dataSummary.clear();
    m_inputWarning.clear();
    clearNormalisation();
}

void ModelDocument::clearNormalisation()
{
    m_defaultMean.clear();
    m_defaultStd.clear();
    m_normalisationSource.clear();
}

void ModelDocument::recomputeNormalisation()
{
    if (m_graph && !m_dataPath.isEmpty())
        describeDataset(*m_graph, m_dataPath, m_imageSize);
}

void ModelDocument::describeDataset(const QString &path)
{
    const auto format = data::DatasetReader::detectFormat(path.toStdString());
    m_dataSummary = QObject::tr("%1 (%2)").arg(QFileInfo(path).fileName(),
                                               QString::fromStdString(format));
    m_inputWarning.clear();
    clearNormalisation();
}

void ModelDocument::describeDataset(model::QuantGraph &graph, const QString &path,
                                    int64_t imageSize)
{
    // Reading the training images' statistics and evaluating takes gigabytes at 224x224.
    const TorchRuntime::ReleaseOnExit releaseWhenDone;
    const std::string dir = path.toStdString();
    jobs::InputOverrides overrides;
    overrides.imageSize = imageSize;
    jobs::ModelInputs inputs(graph, dir, overrides);
    const auto test = inputs.open(data::Split::Test);
    const auto &transform = inputs.transform();

    // A quick look at the float model on test images spread over the split (an ImageFolder
    // lists them class by class): a near-chance score means a wrong input, and that must show
    // before an hour of quantization, not after.
    data::Dataset sample = test;
    const auto keep = torch::tensor(data::Dataset::evenlySpaced(test.size(), kCheckImages));
    sample.images = test.images.index_select(0, keep);
    sample.labels = test.labels.index_select(0, keep);
    auto session = graph.makeSession();
    const auto check = analysis::Evaluator::evaluate(graph, session, sample, transform);
    QStringList warnings; // the most telling first: a model at chance
    if (const auto w = analysis::Evaluator::nearChanceWarning(check); !w.empty())
        warnings << QString::fromStdString(w);
    for (const auto &w : inputs.warnings())
        warnings << QString::fromStdString(w);

    QStringList shape;
    for (auto d : test.imageShape())
        shape << QString::number(d);
    m_dataSummary = QObject::tr("%1 (%2): %3 test images of %4 (size %5), %6 classes; float "
                                "top-1 %7 % on %8 of them")
                        .arg(QFileInfo(path).fileName(),
                             QString::fromStdString(inputs.dataFormat()))
                        .arg(test.size())
                        .arg(shape.join(QStringLiteral("×")),
                             QString::fromStdString(inputs.sizeSource()))
                        .arg(test.classCount())
                        .arg(check.top1 * 100, 0, 'f', 1)
                        .arg(check.samples);
    m_inputWarning = warnings.join(QStringLiteral("\n"));
    m_defaultMean = joined(transform.mean);
    m_defaultStd = joined(transform.std);
    m_normalisationSource = QString::fromStdString(inputs.normalisationSource());
}

QString ModelDocument::modelSummary() const
{
    if (!m_graph)
        return {};
    QStringList shape;
    for (auto d : m_graph->inputShape())
        shape << QString::number(d);
    return QObject::tr("%1: %2 layers, %3 weights, input %4")
        .arg(QFileInfo(m_modelPath).fileName())
        .arg(m_graph->layers().size())
        .arg(m_graph->totalParams())
        .arg(shape.isEmpty() ? QObject::tr("unknown") : shape.join(QStringLiteral("×")));
}

QStringList ModelDocument::layerNames() const
{
    QStringList names;
    if (m_graph)
        for (const auto &l : m_graph->layers())
            names << QString::fromStdString(l.name);
    return names;
}

std::vector<widgets::LayerRow> ModelDocument::layerRows() const
{
    std::vector<widgets::LayerRow> rows;
    if (!m_graph)
        return rows;
    for (const auto &l : m_graph->layers()) {
        QStringList shape;
        for (auto d : l.weightShape)
            shape << QString::number(d);
        QString kind = QString::fromLatin1(l.kindName());
        if (l.groups > 1)
            kind += QObject::tr(" (groups %1)").arg(l.groups);
        rows.push_back({QString::fromStdString(l.name), kind, shape.join(QStringLiteral("×")),
                        qint64(l.params)});
    }
    return rows;
}

std::vector<float> ModelDocument::floatWeights(int layer) const
{
    const auto w = m_graph->floatWeight(layer).detach().to(torch::kFloat).contiguous();
    return std::vector<float>(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
}

} // namespace quantscope::gui
