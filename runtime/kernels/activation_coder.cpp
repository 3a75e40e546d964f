// SPDX-License-Identifier: MIT
#include "activation_coder.h"

#include "vector_clones.h"

namespace quantscope::runtime {

namespace {

// By value and restrict: byte stores may alias anything, and without that the compiler reloads
// every operand after each store instead of vectorising.
QS_VECTOR_CLONES void codeLoop(const float *__restrict values, uint8_t *__restrict codes,
                               size_t n, const ActivationCoder coder)
{
    for (size_t i = 0; i < n; ++i)
        codes[i] = coder.code(values[i]);
}

} // namespace

void codeValues(const float *values, uint8_t *codes, size_t n, const ActivationCoder &coder)
{
    codeLoop(values, codes, n, coder);
}

} // namespace quantscope::runtime
