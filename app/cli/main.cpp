// SPDX-License-Identifier: MIT
// quantscope-cli: everything the workbench does, headless. See README.md for the contract.
#include "commands.h"
#include "error.h"
#include "torch_runtime.h"

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>

namespace {

// One usage text per command: `quantscope-cli COMMAND --help` prints its own.
const std::map<std::string, std::string> kCommandUsage = {
    {"info", "  quantscope-cli info MODEL [--json]\n"
             "      layers, shapes, MACs and reconstruction blocks of a TorchScript model\n"},
    {"eval", "  quantscope-cli eval MODEL --data PATH [--split test|train] [--mean a,b,c --std a,b,c]\n"
             "                 [--size PIXELS] [--limit N] [--json]\n"
             "      top-1/top-5 of the float model; the input size comes from --size, else the\n"
             "      model, else the images; mean/std from the flags, else the model, else computed\n"
             "      on 1024 training images (--mean 0 --std 1 feeds raw [0, 1] pixels)\n"},
    {"train", "  quantscope-cli train OUT.pt --data PATH --arch resnet8|plaincnn|mobilenetv2\n"
              "                 --epochs N [--width W] [--batch B] [--lr LR]\n"
              "                 [--optimizer sgd|adam] [--schedule cosine|constant]\n"
              "                 [--weight-decay WD] [--seed S] [--no-augment] [--size PIXELS]\n"
              "                 [--mean a,b,c --std a,b,c]\n"
              "      trains a small float model and records its input shape and normalisation\n"},
    {"quantize", "  quantscope-cli quantize MODEL --data PATH --method rtn|dsq|cpq|brecq|alq --wbits N --abits N\n"
                 "                 [--set key=value ...] [--layer-bits NAME=BITS ...] [--workspace DIR]\n"
                 "                 [--mean a,b,c --std a,b,c] [--size PIXELS] [--eval-limit N]\n"
                 "                 [--device cpu|cuda|cuda:N] [--json]\n"
                 "      runs a method and stores the run; --set nope=1 lists a method's settings;\n"
                 "      --device cuda runs rtn and dsq on a GPU (a CUDA LibTorch build)\n"},
    {"runs", "  quantscope-cli runs list|show RUN [--workspace DIR] [--json]\n"
             "      the runs of a workspace, or one of them with its layers\n"},
    {"demo", "  quantscope-cli demo [--workspace DIR]\n"
             "      every method on the bundled ResNet-8 and Fashion-MNIST\n"},
    {"export", "  quantscope-cli export RUN --out FILE.qsm [--workspace DIR]\n"
               "      the run as a packed low-bit model for the runtime (runtime/format/README.md)\n"},
    {"verify", "  quantscope-cli verify RUN [--limit N] [--workspace DIR] [--json]\n"
               "      runs the packed model in the runtime (lowbit and fp32) against the\n"
               "      workbench's simulation on the test images: top-1 agreement, per-layer error\n"},
    {"devices", "  quantscope-cli devices [--json]\n"
                "      the devices a run can be deployed to, and what each one lacks\n"
                "  quantscope-cli devices --test DEVICE [--ssh-config FILE] [--json]\n"
                "      connects, copies the agent and asks it what the device is\n"},
    {"deploy", "  quantscope-cli deploy RUN [--device local|emulated-arm64|ssh://[user@]host[:port]|adb[:SERIAL]\n"
               "                            |model:cortex-a53|model:cortex-a55|model:cortex-a72|model:cortex-a76]\n"
               "                 [--threads N] [--warmup W] [--repeats R] [--images N]\n"
               "                 [--pin fastest|none|CPU,CPU…] [--ssh-config FILE]\n"
               "                 [--workspace DIR] [--json]\n"
               "      times the run's packed model on a device — fp32, XNNPACK int8 and our low-bit\n"
               "      kernels — with quantscope-agent, and compares its outputs on N test images (256)\n"
               "      with the simulation; the report is stored with the run. A model:… device predicts\n"
               "      one core's per-layer latency with llvm-mca instead, labelled modelled, with the\n"
               "      model's error on this machine beside it\n"},
};

std::string usage(const std::string &command = {})
{
    std::string text = "usage:\n";
    for (const auto &[name, lines] : kCommandUsage)
        if (command.empty() || name == command)
            text += lines;
    if (command.empty())
        text += "PATH: a folder of IDX files, of CIFAR binary batches, or an ImageFolder root.\n"
                "Exit status: 0 success, 1 failure while running, 2 bad input.\n"
                "quantscope-cli COMMAND --help: that command's usage.\n";
    return text;
}

bool asksForHelp(int argc, char **argv)
{
    for (int i = 2; i < argc; ++i)
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h"))
            return true;
    return false;
}

} // namespace

int main(int argc, char **argv)
{
    quantscope::TorchRuntime::configure();

    using quantscope::cli::Args;
    const std::map<std::string, std::function<int(const Args &)>> commands = {
        {"info", quantscope::cli::infoCommand},         {"eval", quantscope::cli::evalCommand},
        {"train", quantscope::cli::trainCommand},       {"quantize", quantscope::cli::quantizeCommand},
        {"runs", quantscope::cli::runsCommand},         {"demo", quantscope::cli::demoCommand},
        {"export", quantscope::cli::exportCommand},     {"verify", quantscope::cli::verifyCommand},
        {"deploy", quantscope::cli::deployCommand},     {"devices", quantscope::cli::devicesCommand},
    };
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(usage().c_str(), argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const auto command = commands.find(argv[1]);
    if (command == commands.end()) {
        std::fprintf(stderr, "quantscope-cli: unknown command '%s'\n%s", argv[1],
                     usage().c_str());
        return 2;
    }
    if (asksForHelp(argc, argv)) {
        std::fputs(usage(argv[1]).c_str(), stdout);
        return 0;
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
                     quantscope::errorLine(e.what()).c_str());
        return 1;
    }
}
