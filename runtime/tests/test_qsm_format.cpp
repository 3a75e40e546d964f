// SPDX-License-Identifier: MIT
// The .qsm reader against what a damaged or hostile file can hold: every truncation, every
// single-bit flip, content that passes the CRC but lies, a file too large to read.
#include "check.h"
#include "qsm_files.h"
#include "sample_models.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace quantscope;
using namespace quantscope::runtime::test;

TEST_CASE(roundTripKeepsEveryByte)
{
    for (uint32_t bits : {1u, 2u, 3u, 4u, 8u}) {
        const auto model = everyOpModel(bits, 4);
        const auto bytes = qsm::QsmWriter::serialize(model);
        const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
        CHECK(qsm::QsmWriter::serialize(back) == bytes);
        CHECK(back.layers.size() == model.layers.size());
        CHECK(back.layers[1].code(5, 3) == model.layers[1].code(5, 3));
    }
}

TEST_CASE(binaryBasesRoundTripAndAreValidated)
{
    const auto model = binaryBasesModel(4);
    // Binary bases need version 2; a file without them stays version 1.
    const auto bytes = writtenAt(model, 2);
    CHECK(versionOf(qsm::QsmWriter::serialize(everyOpModel(2, 4))) == 1);
    const auto back = qsm::QsmReader::parse(bytes.data(), bytes.size());
    for (size_t i : {1u, 2u, 3u, 4u, 5u}) { // a uniform layer, then groupings of bases
        const auto &l = back.layers[i];
        CHECK((l.encoding == qsm::WeightEncoding::BinaryBases) == (i > 1));
        std::vector<float> row(l.rowElements()); // a row at once: as weight by weight
        for (size_t c = 0; c < l.outChannels; ++c) {
            l.rowWeights(c, row.data());
            for (size_t k = 0; k < l.rowElements(); ++k) {
                CHECK(l.weight(c, k) == model.layers[i].weight(c, k));
                CHECK(row[k] == l.weight(c, k));
            }
        }
    }
    // One weight by hand: the 3×3 layer's groups are taps, so weight k sits in group k % 9 at
    // position k / 9; a group without bases is zero.
    const auto &tapped = back.layers[3];
    const size_t k = 20, group = 2 * 9 + k % 9, j = k / 9;
    float expected = 0;
    for (uint32_t i = 0; i < tapped.baseCounts[group]; ++i) {
        const size_t basis = tapped.firstBase[group] + i;
        const bool plus = tapped.planes[basis * tapped.planeBytes() + j / 8] >> (j % 8) & 1u;
        expected += plus ? tapped.alphas[basis] : -tapped.alphas[basis];
    }
    CHECK(tapped.weight(2, k) == expected);
    CHECK(back.layers[2].weightBits() ==
          double(back.layers[2].alphas.size()) / double(back.layers[2].baseCounts.size()));

    // Lies the CRC cannot catch: more bases in a group than the layer allows; a version 1
    // file with a binary-basis layer.
    auto lying = model;
    lying.layers[2].baseCounts[0] = 4; // maxBases 3
    lying.layers[2].alphas.insert(lying.layers[2].alphas.begin(), 4, 0.1f);
    lying.layers[2].planes.insert(lying.layers[2].planes.begin(), 4 * lying.layers[2].planeBytes(),
                                  0);
    std::string message;
    CHECK(refused(qsm::QsmWriter::serialize(lying), &message));
    CHECK_MSG(message.find("more than its 3") != std::string::npos, message);
    CHECK(refused(withVersion(bytes, 1), &message));
    CHECK_MSG(message.find("not known to version 1") != std::string::npos, message);
}
TEST_CASE(everyTruncationIsRefused)
{
    const auto bytes = qsm::QsmWriter::serialize(everyOpModel(2, 2));
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::string message;
        CHECK_MSG(refused({bytes.begin(), bytes.begin() + n}, &message),
                  "a file cut at " + std::to_string(n) + " bytes was read");
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE(everyBitFlipIsRefused)
{
    // The CRC covers the body; the header's fields are checked one by one. The one flip that
    // may pass is of the version to a later one, which reads the same model (a version 1 file
    // is a valid version 9 file).
    const auto bytes = qsm::QsmWriter::serialize(everyOpModel(4, 4));
    for (size_t i = 0; i < bytes.size(); ++i)
        for (int bit = 0; bit < 8; bit += 3) {
            auto flipped = bytes;
            flipped[i] ^= uint8_t(1u << bit);
            const bool later = versionOf(flipped) > versionOf(bytes) &&
                               versionOf(flipped) <= qsm::kVersion;
            CHECK_MSG(refused(flipped) ||
                          (later && qsm::QsmWriter::serialize(qsm::QsmReader::parse(
                                        flipped.data(), flipped.size())) == bytes),
                      "a flip of bit " + std::to_string(bit) + " of byte " + std::to_string(i) +
                          " was not noticed");
        }
}

TEST_CASE(hostileContentIsRefusedWithoutHugeAllocation)
{
    const auto model = everyOpModel(2, 4);
    const auto bytes = qsm::QsmWriter::serialize(model);
    // Every u32 of the body in turn set to values a hostile file would use. Where it is a count
    // or a kind the reader must refuse; where it is a weight it may accept. It must never crash
    // or allocate what the count claims (the test would run out of memory).
    for (size_t at = kHeader; at + 4 <= bytes.size() - 4; at += 4)
        for (uint32_t v : {0xFFFFFFFFu, 0x7FFFFFFFu, 0x10000000u, 0u, 9u}) {
            auto hostile = bytes;
            std::memcpy(hostile.data() + at, &v, 4);
            refused(resealed(hostile));
        }
    // The first u32s of the body are the input's channels, height and width: a 2^28-pixel
    // image is refused by its size, before anything is allocated for it.
    auto huge = bytes;
    const uint32_t side = 1u << 16;
    std::memcpy(huge.data() + kHeader + 4, &side, 4);
    std::memcpy(huge.data() + kHeader + 8, &side, 4);
    std::string message;
    CHECK(refused(resealed(huge), &message));
    std::printf("  a 65536×65536 input: %s\n", message.c_str());

    // Targeted lies: a weight bit-width of 9, a conv reading a value not yet written.
    auto wide = model;
    wide.layers[1].bits = 9;
    wide.layers[1].codes.resize(wide.layers[1].outChannels * wide.layers[1].rowBytes());
    bool thrown = false;
    try {
        const auto written = qsm::QsmWriter::serialize(wide);
        thrown = refused(written); // the writer may not check what the reader must
    } catch (const qsm::FormatError &) {
        thrown = true;
    }
    CHECK_MSG(thrown, "9-bit weights were accepted");
    auto forward = model;
    forward.ops[0].inputs[0] = forward.ops.back().output;
    thrown = false;
    try {
        qsm::QsmWriter::serialize(forward);
    } catch (const qsm::FormatError &) {
        thrown = true;
    }
    CHECK_MSG(thrown, "a value read before it was written was accepted");
}

TEST_CASE(randomMutationsNeverCrash)
{
    const auto bytes = qsm::QsmWriter::serialize(everyOpModel(3, 5));
    std::mt19937 random(11);
    for (int i = 0; i < 3000; ++i) {
        auto mutated = bytes;
        const int edits = 1 + int(random() % 8);
        for (int e = 0; e < edits; ++e)
            mutated[kHeader + random() % (mutated.size() - kHeader - 4)] = uint8_t(random());
        refused(resealed(mutated)); // either outcome; what counts is getting here
    }
    CHECK(true);
}

TEST_CASE(oversizedFileIsRefusedUnread)
{
    char path[] = "/tmp/qsm_oversized_XXXXXX";
    const int fd = mkstemp(path);
    CHECK(fd >= 0);
    // A sparse file just past the limit: refused from its size, before a byte is read.
    CHECK(ftruncate(fd, off_t(qsm::QsmReader::kMaxFileBytes + 1)) == 0);
    close(fd);
    bool thrown = false;
    try {
        qsm::QsmReader::read(path);
    } catch (const qsm::FormatError &e) {
        thrown = std::string(e.what()).find("large") != std::string::npos;
        if (!thrown)
            std::printf("  message: %s\n", e.what());
    }
    std::remove(path);
    CHECK(thrown);
}

TEST_CASE(missingFileNamesThePath)
{
    bool named = false;
    try {
        qsm::QsmReader::read("/nonexistent/model.qsm");
    } catch (const qsm::FormatError &e) {
        named = std::string(e.what()).find("/nonexistent/model.qsm") != std::string::npos;
    }
    CHECK(named);
}

int main()
{
    return runAll();
}
