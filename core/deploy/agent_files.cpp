// SPDX-License-Identifier: MIT
#include "agent_files.h"

#include "arm64_bundle.h"
#include "error.h"

#include <cstdlib>
#include <filesystem>

namespace quantscope::deploy {

namespace fs = std::filesystem;

namespace {

std::string fromEnvironment(const char *name)
{
    const char *value = std::getenv(name);
    return value ? value : "";
}

// The first of `candidates` that exists, else "".
std::string firstExisting(std::initializer_list<fs::path> candidates)
{
    for (const auto &c : candidates) {
        std::error_code ec;
        if (fs::exists(c, ec))
            return fs::weakly_canonical(c, ec).string();
    }
    return {};
}

} // namespace

AgentFiles AgentFiles::locate()
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    // build/app/cli/quantscope-cli, build/app/gui/quantscope, build/tests/tst_…: the build
    // folder is two levels up (one for tests); an install keeps bin/ beside lib/.
    const fs::path dir = exe.parent_path();
    const fs::path build = fs::exists(dir / "../runtime") ? dir / ".." : dir / "../..";
    AgentFiles files;
    files.x86_64 = fromEnvironment("QUANTSCOPE_AGENT_X86_64");
    if (files.x86_64.empty())
        files.x86_64 = firstExisting({build / "runtime/quantscope-agent",
                                      dir / "../lib/quantscope/x86_64/quantscope-agent"});
    files.aarch64 = fromEnvironment("QUANTSCOPE_AGENT_AARCH64");
    if (files.aarch64.empty())
        files.aarch64 = firstExisting({build / "../build-arm64/quantscope-agent",
                                       dir / "../lib/quantscope/aarch64/quantscope-agent"});
    files.arm64Sysroot = fromEnvironment("QUANTSCOPE_ARM64_SYSROOT");
    if (files.arm64Sysroot.empty())
        files.arm64Sysroot = firstExisting({build / "../.cache/arm64-sysroot",
                                            dir / "../lib/quantscope/aarch64/sysroot"});
    return files;
}

std::string AgentFiles::forArchitecture(const std::string &architecture) const
{
    if (architecture == "x86_64" && !x86_64.empty())
        return x86_64;
    if (architecture == "aarch64" && !aarch64.empty())
        return aarch64;
    if (architecture == "x86_64" || architecture == "aarch64")
        throw Error("no quantscope-agent built for " + architecture +
                    (architecture == "aarch64" ? " (run scripts/build-arm64)" : " (build runtime/)"));
    throw Error("the device runs on " + (architecture.empty() ? "an unknown CPU" : architecture) +
                "; quantscope-agent is built for x86_64 and aarch64 only");
}

std::vector<AgentFiles::File> AgentFiles::bundle(const std::string &architecture) const
{
    std::vector<File> files{{forArchitecture(architecture), "quantscope-agent"}};
    if (architecture != "aarch64")
        return files;
    for (const char *entry : kArm64Bundle) {
        const fs::path library = fs::path(arm64Sysroot) / entry;
        std::error_code ec;
        if (arm64Sysroot.empty() || !fs::exists(library, ec))
            throw Error("the arm64 sysroot lacks " + library.filename().string() +
                        " (scripts/build-arm64 makes it)");
        // kArm64Bundle lists the loader first.
        files.push_back({fs::canonical(library, ec).string(), library.filename().string(),
                         entry == kArm64Bundle[0]});
    }
    return files;
}

std::string AgentFiles::arm64Xnnpack() const
{
    for (const std::string entry : kArm64Bundle)
        if (entry.find("libXNNPACK") != std::string::npos && !arm64Sysroot.empty())
            return firstExisting({fs::path(arm64Sysroot) / entry});
    return {};
}

} // namespace quantscope::deploy
