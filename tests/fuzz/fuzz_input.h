// SPDX-License-Identifier: MIT
// FuzzInput: what every harness needs around libFuzzer's bytes — a scratch folder of its own
// (files are how our readers take input) and a way to cut one input into several files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <unistd.h>

namespace quantscope::fuzz {

class FuzzInput
{
public:
    FuzzInput(const uint8_t *data, size_t size) : m_data(data), m_size(size) {}

    // One byte of the input (0 once it is used up): a harness's choices.
    uint8_t takeByte()
    {
        if (m_used >= m_size)
            return 0;
        return m_data[m_used++];
    }
    // The next part: a 16-bit little-endian length, then that many bytes (fewer at the end).
    std::string takePart()
    {
        const size_t length = size_t(takeByte()) | size_t(takeByte()) << 8;
        const size_t n = std::min(length, m_size - m_used);
        std::string out(reinterpret_cast<const char *>(m_data + m_used), n);
        m_used += n;
        return out;
    }
    // Everything not yet taken.
    std::string rest()
    {
        std::string out(reinterpret_cast<const char *>(m_data + m_used), m_size - m_used);
        m_used = m_size;
        return out;
    }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_used = 0;
};

// A folder under the temporary directory for this process, emptied for every input and removed
// when the process exits: every test run would otherwise leave one per harness behind.
inline std::filesystem::path scratchFolder(const std::string &name)
{
    struct RemovedAtExit
    {
        std::filesystem::path path;
        ~RemovedAtExit()
        {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    };
    static const RemovedAtExit folder{std::filesystem::temp_directory_path() /
                                      ("quantscope-fuzz-" + name + "-" +
                                       std::to_string(::getpid()))};
    std::filesystem::remove_all(folder.path);
    std::filesystem::create_directories(folder.path);
    return folder.path;
}

inline void writeFile(const std::filesystem::path &path, const std::string &bytes)
{
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

} // namespace quantscope::fuzz
