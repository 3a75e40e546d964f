// SPDX-License-Identifier: MIT
// AgentFiles: where the quantscope-agent builds for each architecture lie, and the arm64
// sysroot qemu runs the aarch64 one with. Found beside the running program — the build tree
// (build/runtime, build-arm64, .cache/arm64-sysroot) or an install (lib/quantscope) — unless
// $QUANTSCOPE_AGENT_X86_64, $QUANTSCOPE_AGENT_AARCH64 or $QUANTSCOPE_ARM64_SYSROOT say.
#pragma once

#include <string>
#include <vector>

namespace quantscope::deploy {

struct AgentFiles
{
    std::string x86_64;   // "" where not found
    std::string aarch64;
    std::string arm64Sysroot;

    struct File
    {
        std::string path;     // here
        std::string fileName; // in the device's working folder
        bool loader = false;  // the C library's loader: the agent is started through it
    };

    static AgentFiles locate();
    // The agent for `architecture`; throws quantscope::Error naming what to build.
    std::string forArchitecture(const std::string &architecture) const;
    // What goes to a device of `architecture`: the agent as "quantscope-agent" and, for aarch64,
    // the C library's loader and every shared library it needs, from the arm64 sysroot — so it
    // runs on a board or phone that has none of them (started through the file marked
    // `loader`). On x86-64 the host's own libraries are used.
    std::vector<File> bundle(const std::string &architecture) const;
    // The arm64 XNNPACK library that goes with the aarch64 agent (its bundle's entry in the
    // sysroot; an install keeps the same layout), whose kernels the modelled cores time; "" where
    // there is none.
    std::string arm64Xnnpack() const;
};

} // namespace quantscope::deploy
