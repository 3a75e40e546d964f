// SPDX-License-Identifier: MIT
// forRowBlocks: hands a GEMM kernel's tile routine whole blocks of MR rows — the last, short
// block through zero-padded copies — so the tile itself never branches on a row count.
// It is included by files compiled for one instruction set, so it calls no inline library
// template: such an instantiation is shared between files, and the linker could keep the copy
// built with AVX-512 for callers on every CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace quantscope::runtime {

// block(a, lda, c, ldc) computes MR rows of C from MR rows of A; C rows hold cols int32, of
// which the block writes [first, last) — the only ones copied back from a padded block, since
// another thread may own the rest.
template <size_t MR, typename Block>
void forRowBlocks(const uint8_t *a, size_t p, size_t lda, int32_t *c, size_t ldc, size_t cols,
                  size_t first, size_t last, Block block)
{
    size_t r = 0;
    for (; r + MR <= p; r += MR)
        block(a + r * lda, lda, c + r * ldc, ldc);
    if (r == p)
        return;
    uint8_t *paddedA = new uint8_t[MR * lda];
    int32_t *paddedC = new int32_t[MR * cols];
    std::memset(paddedA, 0, MR * lda);
    std::memcpy(paddedA, a + r * lda, (p - r) * lda);
    block(paddedA, lda, paddedC, cols);
    for (size_t i = 0; r + i < p; ++i)
        std::memcpy(c + (r + i) * ldc + first, paddedC + i * cols + first,
                    (last - first) * sizeof(int32_t));
    delete[] paddedA;
    delete[] paddedC;
}

} // namespace quantscope::runtime
