// SPDX-License-Identifier: MIT
// QsmReader on hostile bytes: a FormatError, or a model that the writer serialises and the
// reader takes back (both apply one shape inference) — never a crash, a hang or an unbounded
// allocation.
#include "format/qsm_reader.h"
#include "format/qsm_writer.h"

#include <optional>

using namespace quantscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::optional<qsm::Model> model;
    try {
        model = qsm::QsmReader::parse(data, size);
    } catch (const qsm::FormatError &) {
        return 0;
    }
    const auto bytes = qsm::QsmWriter::serialize(*model); // throws (a finding) if inconsistent
    qsm::QsmReader::parse(bytes.data(), bytes.size());
    return 0;
}
