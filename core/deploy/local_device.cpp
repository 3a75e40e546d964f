// SPDX-License-Identifier: MIT
#include "local_device.h"

#include "error.h"

#include <sys/utsname.h>

#include <cstdlib>
#include <filesystem>

namespace quantscope::deploy {

namespace fs = std::filesystem;

std::string LocalDevice::architecture()
{
    utsname u{};
    return uname(&u) == 0 ? u.machine : "";
}

void LocalDevice::open()
{
    close();
    std::string pattern = (fs::temp_directory_path() / "quantscope-device.XXXXXX").string();
    if (!mkdtemp(pattern.data()))
        throw Error(name() + ": cannot make a working folder in " +
                    fs::temp_directory_path().string());
    m_folder = pattern;
}

void LocalDevice::push(const std::string &localPath, const std::string &fileName)
{
    std::error_code ec;
    fs::copy_file(localPath, path(fileName), fs::copy_options::overwrite_existing, ec);
    if (ec)
        throw Error(name() + ": cannot copy " + localPath + ": " + ec.message());
    fs::permissions(path(fileName), fs::perms::owner_all, fs::perm_options::add, ec);
}

std::string LocalDevice::path(const std::string &fileName) const
{
    return (fs::path(m_folder) / fileName).string();
}

ProcessResult LocalDevice::agent(const std::vector<std::string> &args,
                                 std::chrono::milliseconds timeout)
{
    auto argv = launcher();
    const auto command = agentCommand(args);
    argv.insert(argv.end(), command.begin(), command.end());
    return Process::run(argv, timeout, cancelCheck());
}

void LocalDevice::close()
{
    if (m_folder.empty())
        return;
    std::error_code ec;
    fs::remove_all(m_folder, ec);
    m_folder.clear();
}

} // namespace quantscope::deploy
