// SPDX-License-Identifier: MIT
#include "model_document.h"

#include "data/dataset_reader.h"
#include "jobs/model_inputs.h"
#include "model/model_metadata.h"

#include <QDir>
#include <QFileInfo>
#include <QStringList>

namespace quantscope::gui {

namespace {
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
    auto graph = std::make_unique<model::QuantGraph>(path.toStdString());
    std::swap(m_graph, graph);
    m_modelPath = QFileInfo(path).absoluteFilePath();
    if (!m_dataPath.isEmpty()) {
        // The dataset may not fit the new model; keep the model and drop the dataset.
        try {
            m_dataSummary = describeDataset(*m_graph, m_dataPath, m_imageSize);
        } catch (...) {
            closeDataset();
            throw;
        }
    }
}

void ModelDocument::openDataset(const QString &path)
{
    const QString absolute = QDir(path).absolutePath();
    m_dataSummary = m_graph ? describeDataset(*m_graph, absolute, m_imageSize)
                            : describeDataset(absolute);
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
        m_dataSummary = describeDataset(*graph, m_dataPath, size);
        m_graph = std::move(graph);
    }
    m_imageSize = size;
}

void ModelDocument::closeDataset()
{
    m_dataPath.clear();
    m_dataSummary.clear();
}

QString ModelDocument::describeDataset(const QString &path)
{
    const auto format = data::DatasetReader::detectFormat(path.toStdString());
    return QObject::tr("%1 (%2)").arg(QFileInfo(path).fileName(), QString::fromStdString(format));
}

QString ModelDocument::describeDataset(model::QuantGraph &graph, const QString &path,
                                       int64_t imageSize)
{
    const std::string dir = path.toStdString();
    const auto format = data::DatasetReader::detectFormat(dir);
    jobs::InputOverrides inputs;
    inputs.imageSize = imageSize;
    const auto test = jobs::ModelInputs::open(graph, dir, data::Split::Test, inputs);
    QStringList shape;
    for (auto d : test.imageShape())
        shape << QString::number(d);
    return QObject::tr("%1 (%2): %3 test images of %4, %5 classes")
        .arg(QFileInfo(path).fileName(), QString::fromStdString(format))
        .arg(test.size())
        .arg(shape.join(QStringLiteral("×")))
        .arg(test.classCount());
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

QString ModelDocument::metadataMean() const
{
    return m_graph ? joined(model::ModelMetadata::parse(m_graph->metadataJson()).mean) : QString();
}

QString ModelDocument::metadataStd() const
{
    return m_graph ? joined(model::ModelMetadata::parse(m_graph->metadataJson()).std) : QString();
}

} // namespace quantscope::gui
