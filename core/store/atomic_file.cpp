// SPDX-License-Identifier: MIT
#include "atomic_file.h"

#include "error.h"

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace quantscope::store {

namespace {
constexpr const char *kTemporaryMarker = ".partial-";
}

void AtomicFile::write(const std::string &path,
                       const std::function<void(const std::string &temporary)> &writeTo)
{
    // The process id keeps two writers of one path (a GUI and a CLI) off each other's temporary.
    const std::string temporary = path + kTemporaryMarker + std::to_string(::getpid());
    std::error_code ec;
    try {
        writeTo(temporary);
    } catch (...) {
        std::filesystem::remove(temporary, ec);
        throw;
    }
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw Error(path + ": cannot write: " + ec.message());
    }
}

void AtomicFile::writeText(const std::string &path, const std::string &text)
{
    write(path, [&](const std::string &temporary) {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(text.data(), std::streamsize(text.size()));
        out.close();
        if (!out)
            throw Error(path + ": cannot write (disk full or not writable)");
    });
}

void AtomicFile::removeTemporaries(const std::string &dir)
{
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().filename().string().find(kTemporaryMarker) != std::string::npos)
            std::filesystem::remove(entry.path(), ec);
}

} // namespace quantscope::store
