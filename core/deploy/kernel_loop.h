// SPDX-License-Identifier: MIT
// KernelLoop: the steady-state inner loop of a compiled kernel, cut out of a binary — ours (the
// agent) or XNNPACK's library — for llvm-mca to time on a core we do not have. The loop is the
// innermost one (no backward branch inside it) that does the most multiply-accumulates among
// the functions whose demangled names contain a fragment; its MACs per iteration are counted
// from its instructions (an sdot on .4s is 16, a vpdpbusd on zmm 64…), so the trip count of a
// layer follows from its padded work alone, however the compiler unrolled the loop.
#pragma once

#include <string>
#include <vector>

namespace quantscope::deploy {

struct KernelLoop
{
    std::string function;                  // demangled name of the function it lies in
    std::vector<std::string> instructions; // as llvm-objdump prints them, branches to .Lloop
    double macsPerIteration = 0;
    // Where they lie in the binary: the function's entry and the loop's first instruction.
    unsigned long functionAddress = 0, address = 0;

    // The hot loop of `binary` (an executable, or a shared library's dynamic symbols) among the
    // functions whose demangled names contain `fragment`. `triple` is "aarch64" or "x86_64".
    // Throws quantscope::Error naming what is missing (the tools, the function, a loop).
    static KernelLoop find(const std::string &binary, const std::string &fragment,
                           const std::string &triple);
    // The same from llvm-objdump's text of one or more functions (the testable part).
    static KernelLoop fromDisassembly(const std::string &disassembly, const std::string &function);
    // The multiply-accumulates one instruction does: "sdot", "v1.4s, v2.16b, v3.4b[0]" → 16;
    // "cnt" on 16 bytes → 128 one-bit products (a bit-serial loop at W·A bits needs W·A a MAC).
    static double macs(const std::string &mnemonic, const std::string &operands);

    // llvm-mca's input: a label, then the loop.
    std::string assembly() const;
};

} // namespace quantscope::deploy
