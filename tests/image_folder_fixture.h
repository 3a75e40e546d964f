// SPDX-License-Identifier: MIT
// ImageFolderFixture: writes small ImageFolder datasets for tests — PNGs of given sizes in one
// folder per class, learnable like SyntheticDataset's (class c lights up row c), and damaged
// files (a cut PNG, a cut JPEG, text named .png) where a test asks for them.
#pragma once

#include "synthetic_dataset.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <QDir>
#include <QFile>
#include <QString>

#include <utility>
#include <vector>

namespace quantscope::testing {

// classes × perClass grey PNGs; image i of a class has size sizes[i % sizes.size()] (w, h).
inline void writeImageFolder(const QString &dir, int classes, int perClass,
                             const std::vector<std::pair<int, int>> &sizes)
{
    for (int c = 0; c < classes; ++c) {
        const QString cls = QStringLiteral("%1/class%2").arg(dir).arg(c);
        QDir().mkpath(cls);
        for (int i = 0; i < perClass; ++i) {
            const auto [w, h] = sizes[size_t(i) % sizes.size()];
            const auto px = syntheticImage(c, i, 8);
            cv::Mat small(8, 8, CV_8UC1, const_cast<uint8_t *>(px.data()));
            cv::Mat image;
            cv::resize(small, image, cv::Size(w, h), 0, 0, cv::INTER_NEAREST);
            cv::imwrite(QStringLiteral("%1/%2.png").arg(cls).arg(i, 3, 10, QLatin1Char('0'))
                            .toStdString(),
                        image);
        }
    }
}

// Cuts a copy of an image file to half its length, as an interrupted download leaves it.
inline void writeTruncatedCopy(const QString &from, const QString &to)
{
    QFile in(from);
    in.open(QIODevice::ReadOnly);
    const QByteArray bytes = in.readAll();
    QFile out(to);
    out.open(QIODevice::WriteOnly);
    out.write(bytes.left(bytes.size() / 2));
}

} // namespace quantscope::testing
