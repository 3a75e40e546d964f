// SPDX-License-Identifier: MIT
#include "number_format.h"

namespace quantscope::widgets {

QString NumberFormat::bytes(int64_t bytes)
{
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    if (bytes < 1024 * 1024)
        return QStringLiteral("%1 KiB").arg(bytes / 1024.0, 0, 'f', 1);
    return QStringLiteral("%1 MiB").arg(bytes / (1024.0 * 1024.0), 0, 'f', 2);
}

QString NumberFormat::count(int64_t n)
{
    if (n < 1000)
        return QString::number(n);
    if (n < 1000000)
        return QStringLiteral("%1k").arg(n / 1000.0, 0, 'f', 1);
    return QStringLiteral("%1M").arg(n / 1e6, 0, 'f', 2);
}

} // namespace quantscope::widgets
