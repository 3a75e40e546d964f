// SPDX-License-Identifier: MIT
#include "qsm_reader.h"

#include "crc32.h"
#include "shape_inference.h"

#include <cmath>
#include <cstring>
#include <fstream>

namespace quantscope::qsm {

namespace {

// A bounds-checked cursor: every read first checks the bytes left, every array length is
// checked against them before anything is allocated.
class ByteSource
{
public:
    ByteSource(const uint8_t *data, size_t size) : m_data(data), m_left(size) {}

    size_t left() const { return m_left; }
    uint32_t u32(const char *what) { return get<uint32_t>(what); }
    int32_t i32(const char *what) { return get<int32_t>(what); }
    uint64_t u64(const char *what) { return get<uint64_t>(what); }
    float f32(const char *what)
    {
        const float v = get<float>(what);
        if (std::isnan(v)) // infinities are fine (a ReLU's open upper bound)
            throw FormatError(std::string(what) + " is not a number");
        return v;
    }
    // A count of items of itemBytes each that must fit in what is left.
    uint64_t count(const char *what, size_t itemBytes)
    {
        const uint64_t n = u32(what);
        if (n * itemBytes > m_left)
            throw FormatError(std::string(what) + ": " + std::to_string(n) +
                              " items do not fit in the " + std::to_string(m_left) +
                              " bytes left (truncated or damaged file)");
        return n;
    }
    std::vector<float> floats(const char *what)
    {
        std::vector<float> v(count(what, 4));
        for (auto &x : v)
            x = f32(what);
        return v;
    }
    std::vector<uint32_t> u32s(const char *what)
    {
        std::vector<uint32_t> v(count(what, 4));
        for (auto &x : v)
            x = u32(what);
        return v;
    }
    void bytes(void *out, size_t n, const char *what)
    {
        need(n, what);
        std::memcpy(out, m_data, n);
        m_data += n;
        m_left -= n;
    }

private:
    template <typename T> T get(const char *what)
    {
        T v;
        bytes(&v, sizeof v, what);
        return v;
    }
    void need(size_t n, const char *what) const
    {
        if (n > m_left)
            throw FormatError(std::string("the file ends inside ") + what + " (truncated)");
    }

    const uint8_t *m_data;
    size_t m_left;
};

OpKind opKind(uint32_t v, uint32_t version, const char *what)
{
    if (v < uint32_t(OpKind::Conv) || v > uint32_t(newestOpKind(version)))
        throw FormatError(std::string(what) + ": unknown op kind " + std::to_string(v) +
                          " in a version " + std::to_string(version) + " file");
    return OpKind(v);
}

Op readOp(ByteSource &in, uint32_t version)
{
    Op op;
    op.kind = opKind(in.u32("op kind"), version, "op");
    op.inputs = in.u32s("op inputs");
    op.output = in.u32("op output");
    switch (op.kind) {
    case OpKind::Conv:
    case OpKind::Linear: op.layer = in.u32("op layer"); break;
    case OpKind::Add:
    case OpKind::Flatten:
    case OpKind::Concat:
    case OpKind::Mul: break;
    case OpKind::Activation: {
        const uint32_t f = in.u32("activation");
        if (f < uint32_t(ActivationFunction::Sigmoid) ||
            f > uint32_t(newestActivation(version)))
            throw FormatError("op: unknown activation function " + std::to_string(f) +
                              " for version " + std::to_string(version));
        op.function = ActivationFunction(f);
        break;
    }
    case OpKind::Clamp:
        op.lo = in.f32("clamp range");
        op.hi = in.f32("clamp range");
        break;
    case OpKind::MaxPool:
    case OpKind::AvgPool:
        for (uint32_t *v : {&op.kernelH, &op.kernelW, &op.strideH, &op.strideW, &op.padH,
                            &op.padW, &op.ceilMode})
            *v = in.u32("pool window");
        if (op.kind == OpKind::AvgPool)
            op.countIncludePad = in.u32("pool window");
        break;
    case OpKind::GlobalAvgPool: op.keepDims = in.u32("global pool"); break;
    case OpKind::ChannelSlice:
        op.first = in.u32("channel slice");
        op.count = in.u32("channel slice");
        break;
    case OpKind::ChannelShuffle: op.groups = in.u32("channel shuffle"); break;
    case OpKind::PRelu: op.slopes = in.floats("prelu slopes"); break;
    case OpKind::Softmax:
        op.log = in.u32("softmax");
        if (op.log > 1)
            throw FormatError("op: softmax with log = " + std::to_string(op.log));
        break;
    case OpKind::ChannelAffine:
        op.scale = in.floats("channel scale");
        op.shift = in.floats("channel shift");
        break;
    case OpKind::GroupNorm:
        op.groups = in.u32("groups");
        [[fallthrough]];
    case OpKind::LayerNorm:
        op.epsilon = in.f32("epsilon");
        op.scale = in.floats("channel scale");
        op.shift = in.floats("channel shift");
        break;
    case OpKind::Pad: {
        for (uint32_t *v : {&op.padTop, &op.padBottom, &op.padLeft, &op.padRight})
            *v = in.u32("pad");
        const uint32_t mode = in.u32("pad mode");
        if (mode > uint32_t(newestPadMode(version)))
            throw FormatError("op: unknown pad mode " + std::to_string(mode) + " in a version " +
                              std::to_string(version) + " file");
        op.padMode = PadMode(mode);
        break;
    }
    case OpKind::Resize: {
        const uint32_t mode = in.u32("resize mode");
        if (mode > uint32_t(ResizeMode::NearestExact))
            throw FormatError("op: unknown resize mode " + std::to_string(mode));
        op.resizeMode = ResizeMode(mode);
        op.alignCorners = in.u32("resize");
        if (op.alignCorners > 1)
            throw FormatError("op: resize with align_corners = " +
                              std::to_string(op.alignCorners));
        op.outHeight = in.u32("resize");
        op.outWidth = in.u32("resize");
        op.stepH = in.f32("resize step");
        op.stepW = in.f32("resize step");
        break;
    }
    }
    return op;
}

Layer readLayer(ByteSource &in, size_t index, uint32_t version)
{
    const std::string where = "layer " + std::to_string(index);
    auto fail = [&](const std::string &why) { throw FormatError(where + ": " + why); };
    Layer l;
    l.kind = opKind(in.u32("layer kind"), version, "layer");
    if (l.kind != OpKind::Conv && l.kind != OpKind::Linear)
        fail("is neither conv nor linear");
    for (uint32_t *v : {&l.outChannels, &l.inChannels, &l.kernelH, &l.kernelW, &l.groups,
                        &l.strideH, &l.strideW, &l.padH, &l.padW, &l.dilationH, &l.dilationW})
        *v = in.u32("layer geometry");
    if (l.outChannels == 0 || l.inChannels == 0 || l.kernelH == 0 || l.kernelW == 0 ||
        l.groups == 0 || l.strideH == 0 || l.strideW == 0 || l.dilationH == 0 || l.dilationW == 0)
        fail("has a zero size, stride or dilation");
    if (l.outChannels % l.groups != 0)
        fail("its " + std::to_string(l.outChannels) + " output channels do not split into " +
             std::to_string(l.groups) + " groups");
    const uint64_t weights = uint64_t(l.outChannels) * l.rowElements();
    if (weights > ShapeInference::kMaxElements)
        fail("has too many weights");
    const uint32_t encoding = in.u32("weight encoding");
    if (encoding == uint32_t(WeightEncoding::Float32)) {
        l.encoding = WeightEncoding::Float32;
        l.weights = in.floats("float weights");
        if (l.weights.size() != weights)
            fail("holds " + std::to_string(l.weights.size()) + " weights, its shape needs " +
                 std::to_string(weights));
    } else if (encoding == uint32_t(WeightEncoding::Uniform)) {
        l.encoding = WeightEncoding::Uniform;
        l.bits = in.u32("weight bits");
        if (l.bits < 1 || l.bits > 8)
            fail("weight bits " + std::to_string(l.bits) + " outside 1…8");
        l.scale = in.floats("weight scales");
        l.zeroPoint = in.floats("weight zero points");
        if (l.scale.size() != l.outChannels || l.zeroPoint.size() != l.outChannels)
            fail("needs one scale and zero point per output channel");
        const uint64_t bytes = in.u64("weight codes");
        if (bytes != uint64_t(l.outChannels) * l.rowBytes())
            fail("holds " + std::to_string(bytes) + " bytes of codes, its shape needs " +
                 std::to_string(uint64_t(l.outChannels) * l.rowBytes()));
        if (bytes > in.left())
            fail("its codes run past the end of the file (truncated)");
        l.codes.resize(bytes);
        in.bytes(l.codes.data(), bytes, "weight codes");
    } else if (encoding == uint32_t(WeightEncoding::BinaryBases) && version >= 2) {
        l.encoding = WeightEncoding::BinaryBases;
        l.pieces = in.u32("binary-basis groups");
        l.interleaved = in.u32("binary-basis groups");
        l.maxBases = in.u32("binary-basis count");
        if (l.pieces == 0 || l.rowElements() % l.pieces != 0 || l.interleaved > 1 ||
            (l.interleaved && l.pieces != l.kernelH * l.kernelW))
            fail("its binary-basis groups do not divide its rows");
        if (l.maxBases < 1 || l.maxBases > 16)
            fail("binary bases per group " + std::to_string(l.maxBases) + " outside 1…16");
        const uint64_t groups = uint64_t(l.outChannels) * l.pieces;
        const uint64_t counted = in.count("binary-basis counts", 1);
        if (counted != groups)
            fail("counts the bases of " + std::to_string(counted) + " groups, it has " +
                 std::to_string(groups));
        l.baseCounts.resize(groups);
        in.bytes(l.baseCounts.data(), groups, "binary-basis counts");
        uint64_t total = 0;
        for (uint8_t n : l.baseCounts) {
            if (n > l.maxBases)
                fail("has a group of " + std::to_string(n) + " bases, more than its " +
                     std::to_string(l.maxBases));
            total += n;
        }
        l.alphas = in.floats("binary-basis scales");
        if (l.alphas.size() != total)
            fail("holds " + std::to_string(l.alphas.size()) + " basis scales, its groups count " +
                 std::to_string(total));
        for (float a : l.alphas)
            if (!(a >= 0) || !std::isfinite(a))
                fail("has a basis scale that is negative or not finite");
        const uint64_t bytes = in.u64("binary-basis planes");
        if (bytes != total * l.planeBytes())
            fail("holds " + std::to_string(bytes) + " bytes of bit-planes, its bases need " +
                 std::to_string(total * l.planeBytes()));
        if (bytes > in.left())
            fail("its bit-planes run past the end of the file (truncated)");
        l.planes.resize(bytes);
        in.bytes(l.planes.data(), bytes, "binary-basis planes");
        l.indexBases();
    } else {
        fail("weight encoding " + std::to_string(encoding) + " is not known to version " +
             std::to_string(version));
    }
    l.bias = in.floats("bias");
    if (!l.bias.empty() && l.bias.size() != l.outChannels)
        fail("holds " + std::to_string(l.bias.size()) + " biases for " +
             std::to_string(l.outChannels) + " channels");
    l.input.bits = in.u32("activation bits");
    l.input.scale = in.f32("activation scale");
    l.input.zeroPoint = in.f32("activation zero point");
    l.input.qmin = in.i32("activation range");
    l.input.qmax = in.i32("activation range");
    if (l.input.bits > 16 || (l.input.bits > 0 && (!(l.input.scale > 0) ||
                                                   l.input.qmin >= l.input.qmax)))
        fail("has a malformed activation quantizer");
    return l;
}

} // namespace

Model QsmReader::parse(const uint8_t *data, size_t size)
{
    ByteSource head(data, size);
    char magic[8];
    head.bytes(magic, 8, "the header");
    if (std::memcmp(magic, "QSMODEL", 8) != 0)
        throw FormatError("not a QuantScope packed model (.qsm): wrong magic bytes");
    const uint32_t version = head.u32("the header");
    if (version < 1 || version > kVersion)
        throw FormatError("format version " + std::to_string(version) + ", this runtime reads " +
                          "1 to " + std::to_string(kVersion));
    if (head.u32("the header") != 0)
        throw FormatError("header flags set that this runtime does not know (a newer writer?)");
    const uint64_t bodyBytes = head.u64("the header");
    // Compared without adding to the claimed size: near 2^64 the sum wraps around.
    if (head.left() < 4 || bodyBytes != head.left() - 4)
        throw FormatError("the file holds " + std::to_string(head.left()) + " bytes after its "
                          "header, the header says " + std::to_string(bodyBytes) + " + 4" +
                          " (truncated or damaged)");
    const uint8_t *body = data + (size - head.left());
    uint32_t stored = 0;
    std::memcpy(&stored, body + bodyBytes, 4);
    if (Crc32::of(body, bodyBytes) != stored)
        throw FormatError("checksum mismatch: the file is damaged");

    ByteSource in(body, bodyBytes);
    Model m;
    m.channels = in.u32("input shape");
    m.height = in.u32("input shape");
    m.width = in.u32("input shape");
    m.mean = in.floats("input mean");
    m.std = in.floats("input std");
    m.valueCount = in.u32("value count");
    if (m.valueCount > in.left() + 1) // every value but the input is written by an op
        throw FormatError("value count " + std::to_string(m.valueCount) + " is impossible");
    // An op takes at least 16 bytes, a layer more than 64: counts are bounded by what is left.
    const uint64_t ops = in.count("op count", 16);
    for (uint64_t i = 0; i < ops; ++i)
        m.ops.push_back(readOp(in, version));
    const uint64_t layers = in.count("layer count", 64);
    for (uint64_t i = 0; i < layers; ++i)
        m.layers.push_back(readLayer(in, size_t(i), version));
    m.output = in.u32("output value");
    m.source.resize(in.count("source text", 1));
    in.bytes(m.source.data(), m.source.size(), "source text");
    if (in.left() != 0)
        throw FormatError(std::to_string(in.left()) + " unexpected bytes after the model");
    for (const auto *norm : {&m.mean, &m.std})
        if (!norm->empty() && norm->size() != 1 && norm->size() != m.channels)
            throw FormatError("the normalisation needs 1 or " + std::to_string(m.channels) +
                              " values per statistic");
    for (float s : m.std)
        if (!(s > 0))
            throw FormatError("a normalisation std is not positive");
    ShapeInference::infer(m);
    return m;
}

Model QsmReader::read(const std::string &path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw FormatError(path + ": cannot open the file");
    const std::streamoff size = in.tellg();
    if (size < 0 || uint64_t(size) > kMaxFileBytes)
        throw FormatError(path + ": too large for a packed model (over 1 GiB); not read");
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char *>(bytes.data()), size))
        throw FormatError(path + ": cannot read the file");
    try {
        return parse(bytes.data(), bytes.size());
    } catch (const FormatError &e) {
        throw FormatError(path + ": " + e.what());
    }
}

} // namespace quantscope::qsm
