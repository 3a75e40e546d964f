// SPDX-License-Identifier: MIT
// IdxReader on hostile bytes: the input is an images file and a labels file (gzipped or raw —
// zlib reads both), and the only acceptable failure is a quantscope::Error.
#include "data/idx_reader.h"
#include "dataset_invariants.h"
#include "error.h"
#include "fuzz_input.h"

using namespace quantscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::FuzzInput input(data, size);
    const auto dir = fuzz::scratchFolder("idx");
    const bool gzipName = input.takeByte() & 1; // the name only: the bytes decide the format
    fuzz::writeFile(dir / (gzipName ? "t10k-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte"),
                    input.takePart());
    fuzz::writeFile(dir / "t10k-labels-idx1-ubyte", input.rest());
    try {
        fuzz::checkDataset(data::IdxReader::read(dir.string(), data::Split::Test));
    } catch (const Error &) {
    }
    return 0;
}
