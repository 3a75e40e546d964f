// SPDX-License-Identifier: MIT
// CifarReader on hostile bytes: one batch file of CIFAR-10 (test_batch.bin) or CIFAR-100
// (test.bin); the only acceptable failure is a quantscope::Error.
#include "data/cifar_reader.h"
#include "dataset_invariants.h"
#include "error.h"
#include "fuzz_input.h"

using namespace quantscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::FuzzInput input(data, size);
    const auto dir = fuzz::scratchFolder("cifar");
    const bool cifar100 = input.takeByte() & 1;
    fuzz::writeFile(dir / (cifar100 ? "test.bin" : "test_batch.bin"), input.rest());
    try {
        fuzz::checkDataset(data::CifarReader::read(dir.string(), data::Split::Test, cifar100));
    } catch (const Error &) {
    }
    return 0;
}
