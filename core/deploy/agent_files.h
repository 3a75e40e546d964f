// SPDX-License-Identifier: MIT
// AgentFiles: where the quantscope-agent builds for each architecture lie, and the arm64
// sysroot qemu runs the aarch64 one with. Found beside the running program — the build tree
// (build/runtime, build-arm64, .cache/arm64-sysroot) or an install (lib/quantscope) — unless
// $QUANTSCOPE_AGENT_X86_64, $QUANTSCOPE_AGENT_AARCH64 or $QUANTSCOPE_ARM64_SYSROOT say.
#pragma once

#include <string>

namespace quantscope::deploy {

struct AgentFiles
{
    std::string x86_64;   // "" where not found
    std::string aarch64;
    std::string arm64Sysroot;

    static AgentFiles locate();
    // The agent for `architecture`; throws quantscope::Error naming what to build.
    std::string forArchitecture(const std::string &architecture) const;
};

} // namespace quantscope::deploy
