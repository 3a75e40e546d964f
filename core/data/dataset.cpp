// SPDX-License-Identifier: MIT
#include "dataset.h"

namespace quantscope::data {

std::vector<int64_t> Dataset::evenlySpaced(int64_t n, int64_t count)
{
    if (count <= 0 || count > n)
        count = n;
    std::vector<int64_t> indices(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
        indices[size_t(i)] = i * n / count;
    return indices;
}

std::string Dataset::unreadableWarning() const
{
    if (unreadableCount == 0)
        return {};
    std::string text = std::to_string(unreadableCount) +
                       (unreadableCount == 1 ? " unreadable image skipped: "
                                             : " unreadable images skipped: ");
    for (size_t i = 0; i < unreadableFiles.size(); ++i)
        text += (i ? ", " : "") + unreadableFiles[i];
    if (int64_t(unreadableFiles.size()) < unreadableCount)
        text += ", …";
    return text;
}

} // namespace quantscope::data
