// SPDX-License-Identifier: MIT
// QsmModel: the packed model format's content in memory — op graph, layers with packed weights,
// activation quantizers, input shape and normalisation. README.md beside this file is the layout.
// Plain C++17: shared by core/deploy (which writes it) and the runtime (which runs it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace quantscope::qsm {

// The newest version this code reads and writes; a file is written at the lowest version that
// can hold it (1, 2 with binary-basis weights, 3 with an op of version 3), so older agents
// still read what they can run; 4 with a channel slice or shuffle; 5 with a prelu, a softmax or
// GELU or ELU; 6 with a pad or tanh, softplus or mish; 7 with a group norm; 8 with a layer norm.
constexpr uint32_t kVersion = 9;

enum class OpKind : uint32_t {
    Conv = 1,
    Linear = 2,
    Add = 3,
    Clamp = 4,
    MaxPool = 5,
    AvgPool = 6,
    GlobalAvgPool = 7,
    Flatten = 8,
    Concat = 9, // version 3: along the channels (DenseNet, Inception, SqueezeNet's fire modules)
    // Version 3: x·scale + shift per channel — a batch norm no conv before it absorbs
    // (DenseNet's and pre-activation ResNets' norm → relu → conv).
    ChannelAffine = 10,
    Activation = 11, // version 3: a smooth activation (ActivationFunction) element by element
    // Version 3: element by element, or a per-channel N×C×1×1 operand broadcast over the other's
    // map (squeeze-and-excitation's scale · input).
    Mul = 12,
    // Version 4: channels first … first + count − 1 of a map or vector (a chunk of ShuffleNetV2's
    // channel split).
    ChannelSlice = 13,
    // Version 4: the channels regrouped as ShuffleNet's channel shuffle — C = groups · m, output
    // channel j · groups + i is input channel i · m + j.
    ChannelShuffle = 14,
    // Version 5: x where x ≥ 0, else slope·x, one slope for every channel (LeakyReLU, a PReLU of
    // one parameter) or one per channel (PReLU).
    PRelu = 15,
    // Version 5: the softmax of a vector's features, or (`log` 1) its logarithm: a classifier's
    // F.softmax(x, dim=1) or F.log_softmax(x, dim=1).
    Softmax = 16,
    // Version 6: rows above and below a map, columns left and right of it (PadMode): F.pad,
    // nn.ZeroPad2d (TensorFlow's "same" padding, uneven before a strided conv), a conv's
    // padding_mode.
    Pad = 17,
    // Version 7: a map normalised by its groups' statistics, one image at a time, then scaled
    // and shifted per channel (`scale`, `shift`): nn.GroupNorm, and nn.InstanceNorm2d as one
    // group per channel.
    GroupNorm = 18,
    // Version 8: each pixel's channels (a vector's features) normalised by their own mean and
    // variance, then scaled and shifted per channel: nn.LayerNorm over the channels of a map
    // permuted to channels last (ConvNeXt's), or over a vector's features.
    LayerNorm = 19,
    // Version 9: a map resized to outHeight × outWidth, each channel alone, as PyTorch's
    // upsampling computes it (ResizeMode): F.interpolate, nn.Upsample (FPN's and U-Net's
    // top-down paths, segmentation heads).
    Resize = 20,
};

// How a Resize op reads its input, as PyTorch's interpolation modes.
enum class ResizeMode : uint32_t {
    Nearest = 0,      // "nearest": input index ⌊i·step⌋ (PyTorch's, off by half a pixel)
    Bilinear = 1,     // "bilinear": the two nearest rows, then columns, weighted by distance
    NearestExact = 2, // "nearest-exact": input index ⌊(i + ½)·step⌋
};

// What a Pad op puts in the rows and columns it adds, as PyTorch's pad modes.
enum class PadMode : uint32_t {
    Zeros = 0,     // "constant" with 0
    Reflect = 1,   // mirrored about the edge, the edge once: a b c → c b a b c b a
    Replicate = 2, // the edge repeated: a b c → a a a b c c c
    Circular = 3,  // version 9: the map wrapped around: a b c → b c a b c a b
};

// What an Activation op computes (MobileNetV3's and EfficientNet's; relu and relu6 are clamps).
enum class ActivationFunction : uint32_t {
    Sigmoid = 1,     // 1 / (1 + e^−x)
    HardSigmoid = 2, // min(max(x + 3, 0), 6) / 6
    SiLU = 3,        // x · sigmoid(x), "swish"
    HardSwish = 4,   // x · min(max(x + 3, 0), 6) / 6
    GELU = 5,        // version 5: x · Φ(x) = x · (1 + erf(x / √2)) / 2 (ConvNeXt's)
    GELUTanh = 6,    // version 5: x · (1 + tanh(√(2/π) · (x + 0.044715 x³))) / 2
    ELU = 7,         // version 5: x where x > 0, else e^x − 1 (α = 1)
    Tanh = 8,        // version 6: LeNet's
    Softplus = 9,    // version 6: ln(1 + e^x), x itself above 20 (β = 1, PyTorch's threshold)
    Mish = 10,       // version 6: x · tanh(ln(1 + e^x)) (CSPDarknet's)
};
const char *activationName(ActivationFunction f);

// The newest op kind, activation function and pad mode a file of this version may hold.
OpKind newestOpKind(uint32_t version);
ActivationFunction newestActivation(uint32_t version);
PadMode newestPadMode(uint32_t version);

// One output position of a Resize op along one axis: the input positions it reads and their
// weights (nearest modes: one position, weight 1).
struct ResizeTap
{
    uint32_t first = 0, second = 0;
    float firstWeight = 1.0f, secondWeight = 0.0f;
};

// A Resize op's step along an axis of inSize resized to outSize, as PyTorch computes its scale:
// from scaleFactor where the model gives one (> 0), else from the sizes.
float resizeStep(ResizeMode mode, bool alignCorners, uint32_t inSize, uint32_t outSize,
                 double scaleFactor);

// The op's name in messages ("max pool", "global average pool").
const char *opKindName(OpKind kind);

enum class WeightEncoding : uint32_t { Float32 = 0, Uniform = 1, BinaryBases = 2 };

// A file that cannot be read as a model: the message is one line saying what is wrong.
class FormatError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

struct ActivationQuant
{
    uint32_t bits = 0; // 0: the layer's input stays float
    float scale = 1.0f;
    float zeroPoint = 0.0f;
    int32_t qmin = 0;
    int32_t qmax = 0;
};

struct Layer
{
    OpKind kind = OpKind::Conv; // Conv or Linear
    uint32_t outChannels = 0;
    uint32_t inChannels = 0; // per group
    uint32_t kernelH = 1, kernelW = 1, groups = 1;
    uint32_t strideH = 1, strideW = 1, padH = 0, padW = 0, dilationH = 1, dilationW = 1;
    WeightEncoding encoding = WeightEncoding::Uniform;
    uint32_t bits = 8;                   // Uniform: 1…8
    std::vector<float> scale;            // Uniform: per output channel
    std::vector<float> zeroPoint;        // Uniform: per output channel
    std::vector<uint8_t> codes;          // Uniform: packed rows (README.md)
    std::vector<float> weights;          // Float32: outChannels × rowElements()
    // BinaryBases (ALQ, version 2): each row is cut into `pieces` groups — contiguous runs of
    // rowElements()/pieces weights, or (interleaved) the weights of one kernel tap, every
    // pieces-th. Group g (= channel · pieces + piece) keeps baseCounts[g] ≤ maxBases bases (0: the
    // group is zero): their scales α, and as many bit-planes of its weights (bit set: +1), each
    // starting on a byte boundary, groups one after the other. Pruned bases take no space.
    uint32_t pieces = 1;
    uint32_t interleaved = 0;
    uint32_t maxBases = 0;
    std::vector<uint8_t> baseCounts; // outChannels × pieces
    std::vector<float> alphas;       // Σ baseCounts
    std::vector<uint8_t> planes;     // Σ baseCounts × planeBytes()
    std::vector<uint32_t> firstBase; // per group, its first α (not stored: indexBases())
    std::vector<float> bias;             // empty or outChannels
    ActivationQuant input;

    size_t rowElements() const { return size_t(inChannels) * kernelH * kernelW; }
    // One input and one output channel per group: every backend runs it by its own kernel.
    bool isDepthwise() const
    {
        return kind == OpKind::Conv && inChannels == 1 && groups > 1 && outChannels == groups;
    }
    size_t rowBytes() const { return (rowElements() * bits + 7) / 8; }
    size_t groupSize() const { return rowElements() / pieces; }
    size_t planeBytes() const { return (groupSize() + 7) / 8; }
    // BinaryBases: weight k's group within its row, and its position in that group.
    size_t groupOf(size_t k) const { return interleaved ? k % pieces : k / groupSize(); }
    size_t positionOf(size_t k) const { return interleaved ? k / pieces : k % groupSize(); }
    // Weight k of output channel c as its code (Uniform).
    uint32_t code(size_t c, size_t k) const;
    void setCode(size_t c, size_t k, uint32_t code);
    // Fills firstBase from baseCounts (the reader does; so must a writer of BinaryBases).
    void indexBases();
    // Bytes of packed weights in the file (codes, floats, or counts, scales and planes).
    size_t weightBytes() const;
    // Bits per weight: the uniform grid's, the average bases per group, or 32 (float).
    double weightBits() const;
    // Weight k of output channel c in float, whatever the encoding.
    float weight(size_t c, size_t k) const;
    // The rowElements() weights of output channel c in float: weight(c, k) for every k, binary
    // bases decoded a group and a basis at a time rather than weight by weight.
    void rowWeights(size_t c, float *out) const;
};

struct Op
{
    OpKind kind = OpKind::Add;
    std::vector<uint32_t> inputs;
    uint32_t output = 0;
    uint32_t layer = 0;                // Conv, Linear
    float lo = 0.0f, hi = 0.0f;        // Clamp
    uint32_t kernelH = 1, kernelW = 1; // pools
    uint32_t strideH = 1, strideW = 1;
    uint32_t padH = 0, padW = 0;
    uint32_t ceilMode = 0;
    uint32_t countIncludePad = 1; // AvgPool
    uint32_t keepDims = 0;        // GlobalAvgPool
    std::vector<float> scale, shift; // ChannelAffine, GroupNorm, LayerNorm: per channel
    ActivationFunction function = ActivationFunction::Sigmoid; // Activation
    uint32_t first = 0, count = 0; // ChannelSlice
    uint32_t groups = 1;           // ChannelShuffle, GroupNorm
    float epsilon = 0.0f;          // GroupNorm, LayerNorm: added to each variance
    std::vector<float> slopes;     // PRelu: one, or one per channel
    uint32_t log = 0;              // Softmax: 1 for log_softmax
    uint32_t padTop = 0, padBottom = 0, padLeft = 0, padRight = 0; // Pad
    PadMode padMode = PadMode::Zeros;                              // Pad
    ResizeMode resizeMode = ResizeMode::Nearest;                   // Resize
    uint32_t alignCorners = 0;            // Resize, bilinear: 1 for align_corners=True
    uint32_t outHeight = 0, outWidth = 0; // Resize
    // Resize: input pixels per output pixel along the rows and the columns, as PyTorch computes
    // its scale in float (1/scale_factor where the model gives one, else in/out; with
    // align_corners (in − 1)/(out − 1)); kept as it is, since 1/scale_factor need not be in/out.
    float stepH = 0.0f, stepW = 0.0f;

    // ChannelSlice, ChannelShuffle: the input channel each output channel copies, for an input
    // of inChannels (ShapeInference has checked that they fit).
    std::vector<uint32_t> sourceChannels(uint32_t inChannels) const;
    // Pad: the input row (or column) that output row i of a dimension of `size` with `before`
    // added before it reads, −1 for a zero; ShapeInference has checked that reflections fit.
    int64_t padSource(int64_t i, uint32_t size, uint32_t before) const;
    // Resize: where each of `outSize` positions along an axis of `inSize` reads, with the axis'
    // step, exactly as PyTorch's upsampling kernels compute their indices and weights.
    std::vector<ResizeTap> resizeTaps(uint32_t inSize, uint32_t outSize, float step) const;
};

struct Model
{
    uint32_t channels = 0, height = 0, width = 0; // the input, value 0
    std::vector<float> mean;                      // per channel (or one), pixels in [0, 1]
    std::vector<float> std;
    uint32_t valueCount = 1;
    std::vector<Op> ops;
    std::vector<Layer> layers;
    uint32_t output = 0;
    std::string source;

    // Per layer, the value its conv or linear op reads (0 for a layer no op uses).
    std::vector<uint32_t> layerInputs() const;
};

} // namespace quantscope::qsm
