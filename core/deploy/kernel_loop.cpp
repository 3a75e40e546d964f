// SPDX-License-Identifier: MIT
#include "kernel_loop.h"

#include "error.h"
#include "process.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

namespace quantscope::deploy {

namespace {

constexpr const char *kNm = "llvm-nm-14";
constexpr const char *kObjdump = "llvm-objdump-14";

struct Instruction
{
    unsigned long address = 0;
    std::string mnemonic, operands;
    unsigned long target = 0; // a branch's destination, else 0
};

bool isBranch(const std::string &m)
{
    static const char *aarch64[] = {"b", "cbz", "cbnz", "tbz", "tbnz"};
    for (const char *b : aarch64)
        if (m == b)
            return true;
    return m.rfind("b.", 0) == 0 || (m.size() >= 2 && m[0] == 'j'); // b.ne; x86 jne, jmp
}

// A branch taken or not by a condition: a loop's latch. The compilers rotate loops so that they
// end in one; an unconditional branch back (b, jmp) joins code laid out further down, as a kernel
// whose loops run zero times jumps to zeroed sums and back to its epilogue.
bool isConditional(const std::string &m)
{
    return isBranch(m) && m != "b" && m != "jmp";
}

// "   2a5a0:      \tldr\tq2, [x9, x1]" → {0x2a5a0, "ldr", "q2, [x9, x1]"}; false for other lines.
bool parseLine(const std::string &line, Instruction &out)
{
    const size_t colon = line.find(':');
    if (colon == std::string::npos || line.find('<') < colon)
        return false;
    char *end = nullptr;
    const std::string head = line.substr(0, colon);
    out.address = std::strtoul(head.c_str(), &end, 16);
    if (end == head.c_str() || head.find_first_not_of(" \t0123456789abcdef") != std::string::npos)
        return false;
    std::istringstream rest(line.substr(colon + 1));
    rest >> out.mnemonic;
    if (out.mnemonic.empty() || out.mnemonic == "<unknown>")
        return false;
    std::getline(rest, out.operands);
    out.operands.erase(0, out.operands.find_first_not_of(" \t"));
    out.target = 0;
    const size_t hex = out.operands.find("0x");
    if (isBranch(out.mnemonic) && hex != std::string::npos)
        out.target = std::strtoul(out.operands.c_str() + hex, nullptr, 16);
    return true;
}

// The widest register an x86 instruction names: 64 bytes for zmm, 32 ymm, 16 xmm, else 0.
int x86Width(const std::string &operands)
{
    return operands.find("zmm") != std::string::npos   ? 64
           : operands.find("ymm") != std::string::npos ? 32
           : operands.find("xmm") != std::string::npos ? 16
                                                       : 0;
}

// The lanes of an AArch64 vector destination: "v3.4s, …" → 4; a scalar register → 1.
int arm64Lanes(const std::string &operands)
{
    const size_t dot = operands.find('.');
    const size_t comma = operands.find(',');
    if (dot == std::string::npos || dot > comma)
        return 1;
    return std::atoi(operands.c_str() + dot + 1);
}

} // namespace

double KernelLoop::macs(const std::string &m, const std::string &operands)
{
    const bool x86 = operands.find('%') != std::string::npos;
    if (x86) {
        const int bytes = x86Width(operands);
        if (m.rfind("vpdpbusd", 0) == 0 || m.rfind("vpmaddubsw", 0) == 0)
            return bytes;         // a product per byte
        if (m.rfind("vpdpwssd", 0) == 0 || m.rfind("vpmaddwd", 0) == 0)
            return bytes / 2.0;   // a product per int16
        if (m.rfind("vpopcnt", 0) == 0)
            return bytes * 8.0;   // one-bit products, as cnt below
        if (m.rfind("vfmadd", 0) == 0 || m.rfind("vfnmadd", 0) == 0 || m.rfind("mul", 0) == 0 ||
            m.rfind("vmul", 0) == 0) {
            if (m.find("ss") != std::string::npos || m.find("sd") != std::string::npos)
                return 1; // scalar
            if (m.find("ps") != std::string::npos)
                return bytes / 4.0;
            if (m.find("pd") != std::string::npos)
                return bytes / 8.0;
        }
        return 0;
    }
    const int lanes = arm64Lanes(operands);
    if (m == "sdot" || m == "udot" || m == "usdot")
        return 4.0 * lanes; // four byte products per 32-bit lane
    if (m == "cnt")
        return 8.0 * lanes; // a popcount per byte: the one-bit products of a bit-serial kernel
    static const char *multiplies[] = {"smull", "umull", "smlal", "umlal", "smlsl", "umlsl",
                                       "smull2", "umull2", "smlal2", "umlal2", "mul", "mla",
                                       "mls", "fmla", "fmls", "fmul", "fmadd", "fmsub", "fnmadd",
                                       "fnmsub"};
    // A scalar integer multiply (x or w registers) computes an address, not a product.
    const bool generalRegister = operands[0] == 'x' || operands[0] == 'w';
    for (const char *x : multiplies)
        if (m == x)
            return generalRegister ? 0 : lanes;
    return 0;
}

KernelLoop KernelLoop::fromDisassembly(const std::string &disassembly, const std::string &function)
{
    std::vector<Instruction> code;
    std::vector<unsigned long> entryOf; // per instruction, its function's first address
    unsigned long entry = 0;
    std::istringstream lines(disassembly);
    for (std::string line; std::getline(lines, line);) {
        Instruction i;
        if (parseLine(line, i)) {
            code.push_back(i);
            entryOf.push_back(entry);
        } else if (line.find(">:") != std::string::npos) { // "0000000000002a760 <name>:"
            entry = std::strtoul(line.c_str(), nullptr, 16);
        }
    }
    // Loops: a conditional backward branch and its target. Innermost: no other backward branch
    // inside.
    struct Loop
    {
        size_t first, last;
        double macs;
    };
    std::vector<Loop> loops;
    for (size_t b = 0; b < code.size(); ++b) {
        if (code[b].target == 0 || code[b].target > code[b].address ||
            !isConditional(code[b].mnemonic))
            continue;
        size_t first = b;
        while (first > 0 && code[first - 1].address >= code[b].target)
            --first;
        if (code[first].address != code[b].target)
            continue; // a jump into another function's code
        bool inner = true;
        double macs = 0;
        for (size_t i = first; i < b; ++i) {
            inner = inner && !(code[i].target != 0 && code[i].target <= code[i].address &&
                               code[i].target >= code[first].address);
            macs += KernelLoop::macs(code[i].mnemonic, code[i].operands);
        }
        if (inner && macs > 0)
            loops.push_back({first, b, macs});
    }
    if (loops.empty())
        throw Error(function + ": no loop of multiply-accumulates found in its code");
    const auto hot = std::max_element(loops.begin(), loops.end(),
                                      [](const Loop &a, const Loop &b) { return a.macs < b.macs; });
    KernelLoop loop;
    loop.function = function;
    loop.macsPerIteration = hot->macs;
    loop.functionAddress = entryOf[hot->first];
    loop.address = code[hot->first].address;
    for (size_t i = hot->first; i <= hot->last; ++i) {
        std::string operands = code[i].operands;
        // Every branch inside goes to the loop's head: llvm-mca times straight-line code and
        // needs only a label that exists.
        if (code[i].target != 0)
            operands = operands.substr(0, operands.find("0x")) + ".Lloop";
        loop.instructions.push_back(code[i].mnemonic + "\t" + operands);
    }
    return loop;
}

KernelLoop KernelLoop::find(const std::string &binary, const std::string &fragment,
                            const std::string &triple)
{
    for (const char *tool : {kNm, kObjdump})
        if (!Process::available(tool))
            throw Error(std::string(tool) + " is not installed (Debian package llvm-14; "
                                            "scripts/setup installs it)");
    // The static symbol table where there is one; a stripped library has only its dynamic one.
    auto symbols =
        Process::run({kNm, "-C", "-S", "--defined-only", binary}, std::chrono::minutes(1));
    if (!symbols.ok() || symbols.out.empty())
        symbols = Process::run({kNm, "-C", "-S", "-D", "--defined-only", binary},
                               std::chrono::minutes(1));
    if (!symbols.ok())
        throw Error(binary + ": its symbols cannot be read: " + symbols.lastLine());
    std::string disassembly, function;
    std::istringstream lines(symbols.out);
    for (std::string line; std::getline(lines, line);) {
        // "0000000000039260 0000000000000871 t name…"
        std::istringstream fields(line);
        std::string address, size, type;
        fields >> address >> size >> type;
        std::string name;
        std::getline(fields, name);
        name.erase(0, name.find_first_not_of(' '));
        // Code: local, global or weak (a template's instantiation, as depthwiseRow<…>).
        if (name.find(fragment) == std::string::npos ||
            (type != "t" && type != "T" && type != "W"))
            continue;
        const unsigned long start = std::strtoul(address.c_str(), nullptr, 16);
        const unsigned long stop = start + std::strtoul(size.c_str(), nullptr, 16);
        std::vector<std::string> args{kObjdump, "-d", "--no-show-raw-insn",
                                      "--start-address=" + std::to_string(start),
                                      "--stop-address=" + std::to_string(stop)};
        if (triple == "aarch64")
            args.push_back("--mattr=+dotprod"); // else the sdot of our and XNNPACK's kernels
                                                // print as <unknown>
        args.push_back(binary);
        const auto text = Process::run(args, std::chrono::minutes(1));
        if (!text.ok())
            throw Error(binary + ": cannot be disassembled: " + text.lastLine());
        disassembly += text.out;
        if (function.empty())
            function = name;
    }
    if (function.empty())
        throw Error(binary + " has no function named like '" + fragment +
                    "' (a stripped or different build)");
    auto loop = fromDisassembly(disassembly, fragment);
    loop.function = function;
    return loop;
}

std::string KernelLoop::assembly() const
{
    std::string text = ".Lloop:\n";
    for (const auto &i : instructions)
        text += i + "\n";
    return text;
}

} // namespace quantscope::deploy
