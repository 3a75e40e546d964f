// SPDX-License-Identifier: MIT
// NumberFormat: how every view writes sizes and counts (KiB/MiB, 12.3k), so they agree.
#pragma once

#include <QString>

#include <cstdint>

namespace quantscope::widgets {

class NumberFormat
{
public:
    static QString bytes(int64_t bytes); // "812 B", "12.3 KiB", "4.56 MiB"
    static QString count(int64_t n);     // "864", "12.3k", "2.36M"
};

} // namespace quantscope::widgets
