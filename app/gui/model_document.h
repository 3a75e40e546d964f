// SPDX-License-Identifier: MIT
// ModelDocument: the model and dataset the window works on — the imported graph (for the layer
// table and float-weight histograms) and the dataset path, checked against each other.
#pragma once

#include "layer_table_model.h"
#include "model/quant_graph.h"

#include <QString>

#include <memory>
#include <vector>

namespace quantscope::gui {

class ModelDocument
{
public:
    // Throws quantscope::Error (missing, truncated or unsupported model); the document keeps
    // its previous model then.
    void openModel(const QString &path);
    // Checks the dataset can be read and fits the model (when one is open). Throws
    // quantscope::Error; the previous dataset stays.
    void openDataset(const QString &path);
    void closeDataset();

    bool hasModel() const { return m_graph != nullptr; }
    const model::QuantGraph &graph() const { return *m_graph; }
    QString modelPath() const { return m_modelPath; }
    QString dataPath() const { return m_dataPath; }
    QString modelSummary() const;
    QString dataSummary() const { return m_dataSummary; }
    QStringList layerNames() const;
    std::vector<widgets::LayerRow> layerRows() const;
    std::vector<float> floatWeights(int layer) const;
    // The model's recorded normalisation as "a, b, c" ("" when it records none).
    QString metadataMean() const;
    QString metadataStd() const;

private:
    QString describeDataset(const QString &path) const;

    std::unique_ptr<model::QuantGraph> m_graph;
    QString m_modelPath;
    QString m_dataPath;
    QString m_dataSummary;
};

} // namespace quantscope::gui
