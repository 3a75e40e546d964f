// SPDX-License-Identifier: MIT
#include "qsm_writer.h"

#include "crc32.h"
#include "shape_inference.h"

#include <cstdio>
#include <cstring>
#include <fstream>

namespace quantscope::qsm {

namespace {

class ByteSink
{
public:
    std::vector<uint8_t> bytes;

    void u32(uint32_t v) { raw(&v, 4); }
    void i32(int32_t v) { raw(&v, 4); }
    void u64(uint64_t v) { raw(&v, 8); }
    void f32(float v) { raw(&v, 4); }
    void floats(const std::vector<float> &v)
    {
        u32(uint32_t(v.size()));
        raw(v.data(), v.size() * 4);
    }
    void u32s(const std::vector<uint32_t> &v)
    {
        u32(uint32_t(v.size()));
        raw(v.data(), v.size() * 4);
    }
    // The format is little-endian, as every machine this builds for.
    void raw(const void *p, size_t n)
    {
        const auto *b = static_cast<const uint8_t *>(p);
        bytes.insert(bytes.end(), b, b + n);
    }
};

void writeLayer(ByteSink &out, const Layer &l)
{
    out.u32(uint32_t(l.kind));
    for (uint32_t v : {l.outChannels, l.inChannels, l.kernelH, l.kernelW, l.groups, l.strideH,
                       l.strideW, l.padH, l.padW, l.dilationH, l.dilationW})
        out.u32(v);
    out.u32(uint32_t(l.encoding));
    if (l.encoding == WeightEncoding::Float32) {
        out.floats(l.weights);
    } else if (l.encoding == WeightEncoding::Uniform) {
        out.u32(l.bits);
        out.floats(l.scale);
        out.floats(l.zeroPoint);
        out.u64(l.codes.size());
        out.raw(l.codes.data(), l.codes.size());
    } else {
        out.u32(l.pieces);
        out.u32(l.interleaved);
        out.u32(l.maxBases);
        out.u32(uint32_t(l.baseCounts.size()));
        out.raw(l.baseCounts.data(), l.baseCounts.size());
        out.floats(l.alphas);
        out.u64(l.planes.size());
        out.raw(l.planes.data(), l.planes.size());
    }
    out.floats(l.bias);
    out.u32(l.input.bits);
    out.f32(l.input.scale);
    out.f32(l.input.zeroPoint);
    out.i32(l.input.qmin);
    out.i32(l.input.qmax);
}

void writeOp(ByteSink &out, const Op &op)
{
    out.u32(uint32_t(op.kind));
    out.u32s(op.inputs);
    out.u32(op.output);
    switch (op.kind) {
    case OpKind::Conv:
    case OpKind::Linear: out.u32(op.layer); break;
    case OpKind::Add:
    case OpKind::Flatten:
    case OpKind::Concat:
    case OpKind::Mul: break;
    case OpKind::Activation: out.u32(uint32_t(op.function)); break;
    case OpKind::Clamp:
        out.f32(op.lo);
        out.f32(op.hi);
        break;
    case OpKind::MaxPool:
    case OpKind::AvgPool:
        for (uint32_t v : {op.kernelH, op.kernelW, op.strideH, op.strideW, op.padH, op.padW,
                           op.ceilMode})
            out.u32(v);
        if (op.kind == OpKind::AvgPool)
            out.u32(op.countIncludePad);
        break;
    case OpKind::GlobalAvgPool: out.u32(op.keepDims); break;
    case OpKind::ChannelSlice:
        out.u32(op.first);
        out.u32(op.count);
        break;
    case OpKind::ChannelShuffle: out.u32(op.groups); break;
    case OpKind::PRelu: out.floats(op.slopes); break;
    case OpKind::Softmax: out.u32(op.log); break;
    case OpKind::ChannelAffine:
        out.floats(op.scale);
        out.floats(op.shift);
        break;
    case OpKind::GroupNorm:
        out.u32(op.groups);
        [[fallthrough]];
    case OpKind::LayerNorm:
        out.f32(op.epsilon);
        out.floats(op.scale);
        out.floats(op.shift);
        break;
    case OpKind::Pad:
        for (uint32_t v : {op.padTop, op.padBottom, op.padLeft, op.padRight, uint32_t(op.padMode)})
            out.u32(v);
        break;
    case OpKind::Resize:
        for (uint32_t v : {uint32_t(op.resizeMode), op.alignCorners, op.outHeight, op.outWidth})
            out.u32(v);
        out.f32(op.stepH);
        out.f32(op.stepW);
        break;
    }
}

} // namespace

std::vector<uint8_t> QsmWriter::serialize(const Model &model)
{
    ShapeInference::infer(model);
    ByteSink body;
    for (uint32_t v : {model.channels, model.height, model.width})
        body.u32(v);
    body.floats(model.mean);
    body.floats(model.std);
    body.u32(model.valueCount);
    body.u32(uint32_t(model.ops.size()));
    for (const auto &op : model.ops)
        writeOp(body, op);
    body.u32(uint32_t(model.layers.size()));
    for (const auto &l : model.layers)
        writeLayer(body, l);
    body.u32(model.output);
    body.u32(uint32_t(model.source.size()));
    body.raw(model.source.data(), model.source.size());

    ByteSink file;
    file.raw("QSMODEL", 8); // with its terminating zero
    bool bases = false;
    for (const auto &l : model.layers)
        bases = bases || l.encoding == WeightEncoding::BinaryBases;
    uint32_t version = bases ? 2 : 1; // the lowest that holds every op kind
    for (const auto &op : model.ops) // (what no version knows is written at the newest)
        while (version < kVersion &&
               (op.kind > newestOpKind(version) ||
                (op.kind == OpKind::Activation && op.function > newestActivation(version)) ||
                (op.kind == OpKind::Pad && op.padMode > newestPadMode(version))))
            ++version;
    file.u32(version);
    file.u32(0);
    file.u64(body.bytes.size());
    file.raw(body.bytes.data(), body.bytes.size());
    file.u32(Crc32::of(body.bytes.data(), body.bytes.size()));
    return file.bytes;
}

void QsmWriter::write(const Model &model, const std::string &path)
{
    const auto bytes = serialize(model);
    const std::string partial = path + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
        if (!out)
            throw FormatError(path + ": cannot write the file");
    }
    if (std::rename(partial.c_str(), path.c_str()) != 0) {
        std::remove(partial.c_str());
        throw FormatError(path + ": cannot write the file: " + std::strerror(errno));
    }
}

} // namespace quantscope::qsm
