// SPDX-License-Identifier: MIT
// The runtime's test harness: plain executables (no Qt, no LibTorch), so the same tests run for
// aarch64 under qemu. CHECK records a failure and goes on; main returns the failure count.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace quantscope::runtime::test {

inline int &failures()
{
    static int count = 0;
    return count;
}

inline std::vector<std::pair<const char *, std::function<void()>>> &cases()
{
    static std::vector<std::pair<const char *, std::function<void()>>> all;
    return all;
}

struct Register
{
    Register(const char *name, std::function<void()> body) { cases().emplace_back(name, body); }
};

inline int runAll()
{
    for (const auto &[name, body] : cases()) {
        const int before = failures();
        try {
            body();
        } catch (const std::exception &e) {
            std::printf("  threw: %s\n", e.what());
            ++failures();
        }
        std::printf("%s %s\n", failures() == before ? "PASS" : "FAIL", name);
    }
    std::printf("%d failure(s)\n", failures());
    return failures() == 0 ? 0 : 1;
}

} // namespace quantscope::runtime::test

#define TEST_CASE(name)                                                                          \
    static void name();                                                                          \
    static const quantscope::runtime::test::Register name##_registered(#name, name);             \
    static void name()

#define CHECK(condition)                                                                         \
    do {                                                                                         \
        if (!(condition)) {                                                                      \
            std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #condition);         \
            ++quantscope::runtime::test::failures();                                             \
        }                                                                                        \
    } while (0)

#define CHECK_MSG(condition, message)                                                            \
    do {                                                                                         \
        if (!(condition)) {                                                                      \
            std::printf("  %s:%d: %s\n", __FILE__, __LINE__, std::string(message).c_str());      \
            ++quantscope::runtime::test::failures();                                             \
        }                                                                                        \
    } while (0)
