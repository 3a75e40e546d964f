// SPDX-License-Identifier: MIT
// quantscope-cli: everything the workbench does, headless. See README.md for the contract.
#include "commands.h"
#include "error.h"
#include "torch_runtime.h"

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>

namespace {

const char *kUsage =
    "usage:\n"
    "  quantscope-cli info MODEL [--json]\n"
    "  quantscope-cli eval MODEL --data PATH [--split test|train] [--mean a,b,c --std a,b,c]\n"
    "                 [--size PIXELS] [--limit N] [--json]\n"
    "  quantscope-cli train OUT.pt --data PATH --arch resnet8|plaincnn --epochs N [--width W]\n"
    "                 [--batch B] [--lr LR] [--optimizer sgd|adam] [--schedule cosine|constant]\n"
    "                 [--weight-decay WD] [--seed S] [--no-augment] [--size PIXELS]\n"
    "  quantscope-cli quantize MODEL --data PATH --method rtn|dsq|brecq --wbits N --abits N\n"
    "                 [--set key=value ...] [--layer-bits NAME=BITS ...] [--workspace DIR]\n"
    "                 [--mean a,b,c --std a,b,c] [--size PIXELS] [--eval-limit N] [--json]\n"
    "  quantscope-cli runs list|show RUN [--workspace DIR] [--json]\n"
    "  quantscope-cli demo [--workspace DIR]\n"
    "PATH: a folder of IDX files, of CIFAR binary batches, or an ImageFolder root.\n"
    "Exit status: 0 success, 1 failure while running, 2 bad input.\n";

} // namespace

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();

    using quantscope::cli::Args;
    const std::map<std::string, std::function<int(const Args &)>> commands = {
        {"info", quantscope::cli::infoCommand},         {"eval", quantscope::cli::evalCommand},
        {"train", quantscope::cli::trainCommand},       {"quantize", quantscope::cli::quantizeCommand},
        {"runs", quantscope::cli::runsCommand},         {"demo", quantscope::cli::demoCommand},
    };
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const auto command = commands.find(argv[1]);
    if (command == commands.end()) {
        std::fprintf(stderr, "quantscope-cli: unknown command '%s'\n%s", argv[1], kUsage);
        return 2;
    }
    try {
        return command->second(Args(argv + 2, argv + argc));
    } catch (const quantscope::Error &e) {
        std::fprintf(stderr, "\nquantscope-cli %s: %s\n", argv[1], e.what());
        return 2;
    } catch (const quantscope::Cancelled &) {
        std::fprintf(stderr, "\nquantscope-cli %s: cancelled\n", argv[1]);
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "\nquantscope-cli %s: internal error: %s\n", argv[1],
                     quantscope::firstLine(e.what()).c_str());
        return 1;
    }
}
