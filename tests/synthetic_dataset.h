// SPDX-License-Identifier: MIT
// SyntheticDataset: writes small datasets in the formats the readers accept, for tests. The
// images are learnable (class c lights up row c), so a quick training run has something to find.
#pragma once

#include <zlib.h>

#include <QDir>
#include <QString>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace quantscope::testing {

inline std::vector<uint8_t> syntheticImage(int label, int index, int side)
{
    std::vector<uint8_t> px(static_cast<size_t>(side * side));
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            px[y * side + x] = static_cast<uint8_t>(
                (y == label % side ? 200 : 20) + ((x * 7 + y * 3 + index) % 13));
    return px;
}

inline void putBigEndian(std::vector<uint8_t> &out, uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<uint8_t>(v >> shift));
}

inline void writeFile(const QString &path, const std::vector<uint8_t> &bytes, bool gzip)
{
    if (gzip) {
        gzFile f = gzopen(path.toStdString().c_str(), "wb");
        gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
        gzclose(f);
    } else {
        std::ofstream(path.toStdString(), std::ios::binary)
            .write(reinterpret_cast<const char *>(bytes.data()), long(bytes.size()));
    }
}

// MNIST-style IDX files (train- and t10k-) with `classes` classes of side×side grey images.
inline void writeIdx(const QString &dir, int trainCount, int testCount, int side, bool gzip,
                     int classes = 10)
{
    QDir().mkpath(dir);
    for (const auto &[prefix, count] :
         std::vector<std::pair<QString, int>>{{QStringLiteral("train"), trainCount},
                                              {QStringLiteral("t10k"), testCount}}) {
        std::vector<uint8_t> images, labels;
        putBigEndian(images, 0x803);
        putBigEndian(images, uint32_t(count));
        putBigEndian(images, uint32_t(side));
        putBigEndian(images, uint32_t(side));
        putBigEndian(labels, 0x801);
        putBigEndian(labels, uint32_t(count));
        for (int i = 0; i < count; ++i) {
            const auto px = syntheticImage(i % classes, i, side);
            images.insert(images.end(), px.begin(), px.end());
            labels.push_back(static_cast<uint8_t>(i % classes));
        }
        const QString gz = gzip ? QStringLiteral(".gz") : QString();
        writeFile(dir + QLatin1Char('/') + prefix + QStringLiteral("-images-idx3-ubyte") + gz,
                  images, gzip);
        writeFile(dir + QLatin1Char('/') + prefix + QStringLiteral("-labels-idx1-ubyte") + gz,
                  labels, gzip);
    }
}

} // namespace quantscope::testing
