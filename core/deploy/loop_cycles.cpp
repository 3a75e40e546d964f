// SPDX-License-Identifier: MIT
#include "loop_cycles.h"

#include "error.h"
#include "process.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace quantscope::deploy {

namespace {
constexpr const char *kMca = "llvm-mca-14";
// Enough iterations that the pipeline's fill and drain are under 1 % of the total.
constexpr int kIterations = 500;

double field(const std::string &text, const std::string &name)
{
    const size_t at = text.find(name);
    return at == std::string::npos ? 0.0 : std::strtod(text.c_str() + at + name.size(), nullptr);
}
} // namespace

double LoopCycles::parse(const std::string &summary)
{
    const double iterations = field(summary, "Iterations:");
    const double cycles = field(summary, "Total Cycles:");
    return iterations > 0 ? cycles / iterations : 0.0;
}

double LoopCycles::perIteration(const KernelLoop &loop, const std::string &triple,
                                const std::string &cpu)
{
    if (!Process::available(kMca))
        throw Error(std::string(kMca) + " is not installed (Debian package llvm-14; scripts/setup "
                                        "installs it)");
    namespace fs = std::filesystem;
    const fs::path file = fs::temp_directory_path() /
                          ("quantscope-loop-" + std::to_string(::getpid()) + "-" + cpu + ".s");
    std::ofstream(file) << loop.assembly();
    std::vector<std::string> args{kMca, "-mtriple=" + triple, "-mcpu=" + cpu,
                                  "-iterations=" + std::to_string(kIterations),
                                  "-instruction-info=false", "-resource-pressure=false",
                                  file.string()};
    if (triple == "aarch64")
        args.insert(args.begin() + 3, "-mattr=+dotprod");
    const auto result = Process::run(args, std::chrono::minutes(1));
    std::error_code ec;
    fs::remove(file, ec);
    const double cycles = result.ok() ? parse(result.out) : 0.0;
    if (cycles <= 0)
        throw Error("llvm-mca could not time " + loop.function + " on " + cpu + ": " +
                    result.lastLine());
    return cycles;
}

} // namespace quantscope::deploy
