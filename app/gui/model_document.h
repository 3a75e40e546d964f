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
    // Loads every model in a child process `program` first (ModelProbe), so a file that crashes
    // LibTorch's loader cannot take the window with it. Empty (the default): no probe.
    void setModelProbe(const QString &program) { m_probeProgram = program; }
    // Checks the dataset can be read and fits the model (when one is open). Throws
    // quantscope::Error; the previous dataset stays.
    void openDataset(const QString &path);
    void closeDataset();
    // Feeds images of size×size pixels to the model (0: the size the model records). Checks the
    // model runs at that size on the open dataset; throws quantscope::Error and keeps the
    // previous size when it does not.
    void setImageSize(int64_t size);
    int64_t imageSize() const { return m_imageSize; }

    bool hasModel() const { return m_graph != nullptr; }
    const model::QuantGraph &graph() const { return *m_graph; }
    QString modelPath() const { return m_modelPath; }
    QString dataPath() const { return m_dataPath; }
    QString modelSummary() const;
    QString dataSummary() const { return m_dataSummary; }
    QStringList layerNames() const;
    std::vector<widgets::LayerRow> layerRows() const;
    std::vector<float> floatWeights(int layer) const;
    // The normalisation a run gets when the user gives none, as "a, b, c": the model's
    // metadata, else computed on the dataset's training images; and where it came from.
    QString defaultMean() const { return m_defaultMean; }
    QString defaultStd() const { return m_defaultStd; }
    QString normalisationSource() const { return m_normalisationSource; }
    // What the user should know before running: skipped images, mixed sizes, a float model
    // near chance on a quick check. "" when all is well.
    QString inputWarning() const { return m_inputWarning; }
    // Computes the normalisation from the data again (after the images changed on disk).
    void recomputeNormalisation();

private:
    // Without a model: the folder and its format. With one: also the test split as the model
    // sees it (count, image shape and where the size came from, classes), checked to fit, and
    // the float model's top-1 on test images spread over the split.
    void describeDataset(const QString &path);
    void describeDataset(model::QuantGraph &graph, const QString &path, int64_t imageSize);
    void clearNormalisation();

    std::unique_ptr<model::QuantGraph> m_graph;
    QString m_probeProgram;
    QString m_modelPath;
    QString m_dataPath;
    QString m_dataSummary;
    QString m_defaultMean;
    QString m_defaultStd;
    QString m_normalisationSource;
    QString m_inputWarning;
    int64_t m_imageSize = 0;
};

} // namespace quantscope::gui
