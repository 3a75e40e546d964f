// SPDX-License-Identifier: MIT
// QS_VECTOR_CLONES: a plain loop that the compiler vectorises is also built for AVX2 (x86-64-v3)
// and AVX-512 (x86-64-v4), one copy chosen when the program loads (GCC's ifunc clones), so it
// runs at the CPU's vector width without a kernel file per instruction set. Other
// architectures take the one build (AArch64's NEON is its baseline), and so do clang (the
// fuzzing build), which refuses clones of a member function declared before its definition,
// and sanitizer builds: the clones' resolvers run while the program is relocated, before the
// sanitizer's runtime is up, and ThreadSanitizer's instrumentation in them crashed there.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define QS_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define QS_VECTOR_CLONES
#endif
