// SPDX-License-Identifier: MIT
// What the format's tests do with a .qsm file: write it, read it back, damage it, relabel its
// version, and read the reader's or writer's refusal.
#pragma once

#include "check.h"
#include "format/crc32.h"
#include "format/qsm_reader.h"
#include "format/qsm_writer.h"
#include "format/shape_inference.h"

#include <cstring>
#include <string>
#include <vector>

namespace quantscope::runtime::test {

inline constexpr size_t kHeader = 24; // magic, version, flags, body length

// The body changed and the CRC made right again: only validation can catch what is wrong.
inline std::vector<uint8_t> resealed(std::vector<uint8_t> bytes)
{
    const uint32_t crc = qsm::Crc32::of(bytes.data() + kHeader, bytes.size() - kHeader - 4);
    std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
    return bytes;
}

inline bool refused(const std::vector<uint8_t> &bytes, std::string *message = nullptr)
{
    try {
        qsm::QsmReader::parse(bytes.data(), bytes.size());
        return false;
    } catch (const qsm::FormatError &e) {
        if (message)
            *message = e.what();
        return true;
    }
}

// The format version a file's header states, and the file stating another.
inline uint32_t versionOf(const std::vector<uint8_t> &bytes)
{
    uint32_t version = 0;
    std::memcpy(&version, bytes.data() + 8, 4);
    return version;
}

inline std::vector<uint8_t> withVersion(std::vector<uint8_t> bytes, uint32_t version)
{
    std::memcpy(bytes.data() + 8, &version, 4);
    return bytes;
}

// field(op) of a model's ops of one kind, in graph order.
template <typename Field>
auto ofKind(const qsm::Model &model, qsm::OpKind kind, Field field)
{
    std::vector<decltype(field(model.ops.front()))> out;
    for (const auto &op : model.ops)
        if (op.kind == kind)
            out.push_back(field(op));
    return out;
}

// The output shapes of a model's ops of one kind, in graph order.
inline std::vector<qsm::Shape> outputShapes(const qsm::Model &model, qsm::OpKind kind)
{
    const auto shapes = qsm::ShapeInference::infer(model);
    return ofKind(model, kind, [&](const qsm::Op &op) { return shapes[op.output]; });
}

// The names of a model's activation functions, in graph order.
inline std::vector<std::string> activationNames(const qsm::Model &model)
{
    return ofKind(model, qsm::OpKind::Activation,
                  [](const qsm::Op &op) { return std::string(qsm::activationName(op.function)); });
}

// The writer's reason for refusing a model whose shapes do not fit ("" when it writes it).
inline std::string writerRefusal(const qsm::Model &model)
{
    try {
        qsm::QsmWriter::serialize(model);
        return "";
    } catch (const qsm::FormatError &e) {
        return e.what();
    }
}

// The model as a file of `version` (the lowest that holds it): read back, it writes the same
// bytes; every cut of it is refused.
inline std::vector<uint8_t> writtenAt(const qsm::Model &model, uint32_t version)
{
    const auto bytes = qsm::QsmWriter::serialize(model);
    CHECK_MSG(versionOf(bytes) == version, "version " + std::to_string(versionOf(bytes)));
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    CHECK(qsm::QsmWriter::serialize(back) == bytes);
    for (size_t n = 0; n < bytes.size(); n += 5)
        CHECK(refused(std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(n))));
    return bytes;
}

// The file relabelled one version older is refused for naming op `kind`.
inline void checkRefusedOneVersionOlder(const std::vector<uint8_t> &bytes, qsm::OpKind kind)
{
    const uint32_t older = versionOf(bytes) - 1;
    std::string message;
    CHECK(refused(withVersion(bytes, older), &message));
    const std::string expected = "unknown op kind " + std::to_string(uint32_t(kind)) +
                                 " in a version " + std::to_string(older) + " file";
    CHECK_MSG(message.find(expected) != std::string::npos, message);
}

} // namespace quantscope::runtime::test
