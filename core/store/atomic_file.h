// SPDX-License-Identifier: MIT
// AtomicFile: a file that is written whole or not at all. The content goes to a temporary name
// in the same folder, which one rename — atomic on POSIX — then puts in place, so a process
// killed while writing, or a disk that fills up, leaves the previous file or none, never half
// of one. Every artifact of a run is written this way.
#pragma once

#include <functional>
#include <string>

namespace quantscope::store {

class AtomicFile
{
public:
    // Calls writeTo(temporaryPath), then renames the temporary to `path`. When writeTo throws,
    // the temporary is removed and the exception goes on; a failed rename throws
    // quantscope::Error.
    static void write(const std::string &path,
                      const std::function<void(const std::string &temporary)> &writeTo);
    // `text` as the whole file; a short write (a full disk) throws quantscope::Error.
    static void writeText(const std::string &path, const std::string &text);
    // Removes the temporaries in `dir` that writers left when they were killed mid-write. Only
    // for a folder no live process writes to.
    static void removeTemporaries(const std::string &dir);
};

} // namespace quantscope::store
