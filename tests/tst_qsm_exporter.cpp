// SPDX-License-Identifier: MIT
// QsmExporter: a run of a traced model becomes the packed format op for op, and the runtime
// computes from it what the workbench simulated.
#include "deploy/qsm_exporter.h"
#include "deploy/runtime_check.h"
#include "error.h"
#include "jobs/model_inputs.h"
#include "jobs/quantize_job.h"
#include "model/quant_graph.h"
#include "synthetic_dataset.h"

#include <QTemporaryDir>
#include <QTest>

using namespace quantscope;

class TestQsmExporter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exportsTorchvisionOps_data();
    void exportsTorchvisionOps();
    void namesWhatItCannotExpress_data();
    void namesWhatItCannotExpress();

private:
    // The model quantized with RTN W4A4 on the synthetic images, as the run stored it.
    store::RunRecord quantized(const std::string &modelPath);

    QTemporaryDir m_dir;
};

store::RunRecord TestQsmExporter::quantized(const std::string &modelPath)
{
    jobs::QuantizeRequest r;
    r.modelPath = modelPath;
    r.dataPath = m_dir.filePath(QStringLiteral("data")).toStdString();
    r.method = "rtn";
    r.wbits = 4;
    r.abits = 4;
    r.settings = {{"calib_images", "32"}};
    r.workspaceDir = m_dir.filePath(QStringLiteral("ws")).toStdString();
    jobs::QuantizeJob job(r);
    jobs::JobContext context;
    job.run(context);
    return job.record();
}

void TestQsmExporter::initTestCase()
{
    testing::writeIdx(m_dir.filePath(QStringLiteral("data")), 64, 40, 8, true);
}

void TestQsmExporter::exportsTorchvisionOps_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QStringList>("ops"); // the packed model's, by qsm::opKindName
    // torchvision's heads: MNASNet's nn.Dropout(inplace=True), traced as dropout_, and
    // nn.Dropout2d as feature_dropout_ pass their input on in inference; AlexNet's and VGG's
    // adaptive average pools to a size that divides the map are an average pool (4×4 to 2×2)
    // or the identity (2×2 to 2×2).
    QTest::newRow("heads") << "tiny_head_cnn_traced.pt"
                           << QStringList{"conv",         "clamp",   "conv",  "clamp",
                                          "average pool", "flatten", "linear"};
    // torch.cat of a fire module's expands and its input, then of a map and its growth
    // (dim=-3, the channels counted from the end), each one concat op.
    QTest::newRow("concat") << "tiny_fire_cnn_traced.pt"
                            << QStringList{"conv",     "clamp",  "conv",     "clamp",
                                           "conv",     "clamp",  "conv",     "clamp",
                                           "concat",   "conv",   "clamp",    "concat",
                                           "max pool", "global average pool", "flatten",
                                           "linear"};
    // A batch norm after a conv is folded into it at import; one after an add, or before a
    // relu that feeds a conv, or on pooled features is a channel affine op.
    QTest::newRow("batch norm") << "tiny_preact_cnn_traced.pt"
                                << QStringList{"conv",    "channel affine", "clamp",
                                               "conv",    "clamp",          "conv",
                                               "add",     "channel affine", "clamp",
                                               "global average pool",       "flatten",
                                               "channel affine",            "linear"};
    // hardswish_ and silu_ after convs, the SE scale's hardsigmoid times the map, a sigmoid
    // gate times a map of the same shape.
    QTest::newRow("excitation") << "tiny_excitation_cnn_traced.pt"
                                << QStringList{"conv",       "activation", "conv",
                                               "activation", "global average pool",
                                               "conv",       "clamp",      "conv",
                                               "activation", "mul",        "conv",
                                               "activation", "mul",
                                               "global average pool",      "flatten",
                                               "linear"};
    // F.gelu exact and with approximate="tanh", F.leaky_relu_ (one slope), nn.PReLU(12) (a
    // slope per channel) and nn.PReLU() on a vector, F.elu: activations or prelus; the head's
    // F.adaptive_max_pool2d(x, 1) a max pool over the whole 4×4 map, F.log_softmax a softmax.
    QTest::newRow("negative sides") << "tiny_negative_side_cnn_traced.pt"
                                    << QStringList{"conv",       "activation", "conv",
                                                   "prelu",      "conv",       "prelu",
                                                   "conv",       "activation", "conv",
                                                   "activation", "max pool",   "flatten",
                                                   "linear",     "prelu",      "linear",
                                                   "softmax"};
    // Arithmetic with numbers (x + 3., / 6., - 0.5, 1 - x) as channel affines, a pool whose
    // window is read off the map (F.avg_pool2d(z, z.size()[2:])), squeezes and view(-1, 128)
    // as flattens, F.softmax.
    QTest::newRow("hand-written") << "tiny_hand_written_cnn_traced.pt"
                                  << QStringList{"conv",           "channel affine", "clamp",
                                                 "mul",            "channel affine", "conv",
                                                 "channel affine", "channel affine",
                                                 "average pool",   "flatten",        "flatten",
                                                 "linear",         "flatten",        "linear",
                                                 "add",            "softmax"};
    // The CIFAR ResNets' option-A shortcut: x[:, :, ::2, ::2] as max pools of 1×1 windows at
    // stride 2 (rows, then columns), F.pad's two zero channels on either side as slices
    // scaled by zero joined around the map.
    QTest::newRow("option A") << "tiny_option_a_cnn_traced.pt"
                              << QStringList{"conv",           "clamp",         "conv",
                                             "clamp",          "conv",          "max pool",
                                             "max pool",       "channel slice", "channel affine",
                                             "channel slice",  "channel affine", "concat",
                                             "add",            "clamp",  "global average pool",
                                             "flatten",        "linear"};
    // Arithmetic with the model's constant tensors as channel affines: an input normalised in
    // the model (its first op is no layer), a layer scale, a buffer minus the map, a division by
    // a parameter viewed per channel, a vector's scale and shift per feature.
    QTest::newRow("constant tensors")
        << "tiny_normalising_cnn_traced.pt"
        << QStringList{"channel affine", "channel affine",      "conv",           "clamp",
                       "channel affine", "channel affine",      "conv",           "clamp",
                       "channel affine", "global average pool", "flatten",        "linear",
                       "channel affine", "channel affine"};
    // Explicit pads as pad ops (nn.ZeroPad2d, F.pad's uneven "same" padding, a conv's
    // padding_mode reflect, replicate and circular); tanh, mish and softplus as activations;
    // x.amax((2, 3)) as a max pool of the map's size, flattened; x.sum((2, 3)) as the mean
    // times the pixels; x.mean(3).mean(2) and x.sum(2, True).sum(3, True) the same, one axis at
    // a time.
    QTest::newRow("pads") << "tiny_padded_cnn_traced.pt"
                          << QStringList{"pad",            "conv",       "activation",
                                         "pad",            "conv",       "activation",
                                         "pad",            "conv",       "pad",
                                         "conv",           "pad",        "conv",
                                         "activation",     "max pool",
                                         "flatten",        "global average pool",
                                         "channel affine", "channel affine",
                                         "add",            "global average pool",
                                         "add",            "global average pool",
                                         "channel affine", "flatten",
                                         "channel affine", "add",
                                         "linear"};
    // nn.GroupNorm and nn.InstanceNorm2d (affine or not) as group norm ops, the instance norm
    // one group per channel; an instance norm with running statistics as their channel affine.
    QTest::newRow("norms") << "tiny_group_norm_cnn_traced.pt"
                           << QStringList{"conv",       "group norm", "clamp",
                                          "conv",       "group norm", "add",
                                          "clamp",      "conv",       "group norm",
                                          "activation", "conv",       "group norm",
                                          "clamp",      "channel affine",
                                          "global average pool",      "linear"};
    // ConvNeXt's: layer norms over each pixel's channels, between permutes to channels last
    // and back, which are no ops; its linear layers there 1×1 convs; a layer scale in channels
    // last or after the permute back, a channel affine either way; a layer norm over features.
    QTest::newRow("convnext") << "tiny_convnext_traced.pt"
                              << QStringList{"conv",           "layer norm", "conv",
                                             "layer norm",     "conv",       "activation",
                                             "conv",           "channel affine", "add",
                                             "layer norm",     "conv",       "conv",
                                             "layer norm",     "conv",       "activation",
                                             "conv",           "channel affine", "add",
                                             "global average pool", "layer norm", "linear"};
    // ConvMixer's and PoolFormer's: padding="same" in the layer where PyTorch pads evenly, a
    // pad op before a 4×4 conv where it does not; "valid" none; pool(y) − y, an add with α
    // and an rsub as adds, the scaled term through a channel affine.
    QTest::newRow("same padding") << "tiny_mixer_cnn_traced.pt"
                                  << QStringList{"conv",           "activation",
                                                 "conv",           "clamp",
                                                 "add",            "average pool",
                                                 "channel affine", "add",
                                                 "channel affine", "add",
                                                 "pad",            "conv",
                                                 "clamp",          "conv",
                                                 "channel affine", "add",
                                                 "channel affine", "add",
                                                 "global average pool", "linear"};
    // The original ConvNeXt's channels-first layer norm written out op by op (by a power,
    // by var and rsqrt, of a vector by a square): a layer norm op; its γ and β after it,
    // γ·x + β, two channel affines.
    QTest::newRow("written-out layer norm")
        << "tiny_channels_first_norm_cnn_traced.pt"
        << QStringList{"conv",           "layer norm", "channel affine", "channel affine",
                       "conv",           "activation", "add",            "layer norm",
                       "conv",           "global average pool",          "layer norm",
                       "linear"};
    // FPN's and U-Net's resizes: to the lateral map's size read off it (nearest), by 2
    // (nn.Upsample, bilinear), to a size with aligned corners, by 1.5 (nearest) and by 0.5
    // (nearest-exact).
    QTest::newRow("resize") << "tiny_upsampling_cnn_traced.pt"
                            << QStringList{"conv",   "clamp",  "conv",   "clamp",
                                           "conv",   "clamp",  "conv",   "resize",
                                           "add",    "resize", "concat", "conv",
                                           "clamp",  "resize", "resize", "resize",
                                           "global average pool",      "linear"};
    // ShuffleNetV2's channel shuffle (sizes read at run time, viewed in groups, transposed,
    // viewed back), x.chunk(2, dim=1) as two slices; torch.split(x, [5, 7], 1) two more, and
    // a[:, :4] one (its slice of the batch is no op); x.view(x.size(0), -1) a flatten.
    QTest::newRow("shuffle") << "tiny_shuffle_cnn_traced.pt"
                             << QStringList{"conv",           "clamp",           "conv",
                                            "conv",           "clamp",           "conv",
                                            "clamp",          "conv",            "conv",
                                            "clamp",          "concat",          "channel shuffle",
                                            "channel slice",  "channel slice",   "conv",
                                            "conv",           "clamp",           "concat",
                                            "channel shuffle", "channel slice",  "channel slice",
                                            "channel slice",  "concat",  "global average pool",
                                            "flatten",        "linear"};
}

void TestQsmExporter::exportsTorchvisionOps()
{
    // RTN W4A4 of the fixture, exported op for op; then the runtime against the simulation
    // on every test image: fp32 against LibTorch with float activations, the low-bit
    // backend's classes against the simulation's.
    QFETCH(QString, fixture);
    QFETCH(QStringList, ops);
    const auto run =
        quantized(QStringLiteral(QUANTSCOPE_FIXTURE_DIR "/%1").arg(fixture).toStdString());
    const auto packed = deploy::QsmExporter::build(run);
    QStringList kinds;
    for (const auto &op : packed.ops)
        kinds << QString::fromUtf8(qsm::opKindName(op.kind));
    QCOMPARE(kinds, ops);

    model::QuantGraph graph(run.artifact);
    jobs::ModelInputs inputs(graph, m_dir.filePath(QStringLiteral("data")).toStdString());
    const auto test = inputs.open(data::Split::Test);
    jobs::JobContext context;
    const auto check = deploy::RuntimeCheck::run(run, graph, packed, test, inputs.transform(), 0,
                                                 context);
    QCOMPARE(check.images, int64_t(40));
    QVERIFY2(check.fp32MaxRelDiff < 1e-4, std::to_string(check.fp32MaxRelDiff).c_str());
    QVERIFY2(check.agreement > 0.95, std::to_string(check.agreement).c_str());
}

void TestQsmExporter::namesWhatItCannotExpress_data()
{
    QTest::addColumn<QString>("forward"); // reads self.w (4×1×3×3), self.fc, self.pos (1×4×8×8)
    QTest::addColumn<QString>("node");
    QTest::addColumn<QString>("why");
    // The batch's and the channels' whole slices pass, the rows' is refused.
    QTest::newRow("rows") << "torch.flatten(y[:, :, 1:7], 1)"
                          << "aten::slice" << "a slice that is not a run of channels";
    // Pads of zeros only.
    QTest::newRow("pad of ones")
        << "torch.flatten(torch.constant_pad_nd(y, [0, 0, 1, 1], 1.0)[:, :, 2:8], 1)"
        << "aten::constant_pad_nd" << "a pad with a value other than 0";
    // A reduction over the rows and columns, one axis at a time, the second the same reduction
    // with the same keepdim; not over one alone, nor a max of means.
    QTest::newRow("one axis") << "y.mean(3).flatten(1).repeat(1, 6)"
                              << "aten::mean" << "a mean over other than a map's rows and columns";
    QTest::newRow("two reductions") << "y.mean(3).amax(2).repeat(1, 48)"
                                    << "aten::mean"
                                    << "a mean over other than a map's rows and columns";
    QTest::newRow("every element") << "torch.flatten((y * y.mean())[:, :, 1:7], 1)"
                                   << "aten::mean"
                                   << "a reduction over every element, the batch's too";
    // Resizes in the format's modes only.
    QTest::newRow("bicubic")
        << "torch.flatten(torch.upsample_bicubic2d(y, [8, 8], False, None)[:, :, 1:7], 1)"
        << "aten::upsample_bicubic2d" << "a resize other than nearest, nearest-exact or bilinear";
    // A batch norm of the batch's statistics (a graph traced in training mode).
    QTest::newRow("batch statistics")
        << "torch.flatten(torch.batch_norm(y, None, None, None, None, True, 0.1, 1e-5, "
           "False)[:, :, 1:7], 1)"
        << "aten::batch_norm" << "a batch norm without running statistics";
    // A map permuted to channels last and back; on it, what is the same in either layout.
    QTest::newRow("other permute") << "torch.flatten(y.permute(0, 1, 3, 2)[:, :, 1:7], 1)"
                                   << "aten::permute" << "a permute other than of a map to "
                                                         "channels last (0, 2, 3, 1) and back";
    QTest::newRow("slice of channels last")
        << "torch.flatten(y.permute(0, 2, 3, 1)[:, 1:7], 1)"
        << "aten::slice" << "an op on a map permuted to channels last other than";
    QTest::newRow("layer norm over columns")
        << "torch.flatten(torch.layer_norm(y, [8])[:, :, 1:7], 1)"
        << "aten::layer_norm" << "a layer norm over other than each pixel's channels";
    // A constant per channel is a channel affine; one per position (a positional embedding) is
    // not.
    QTest::newRow("positions") << "torch.flatten((y + self.pos)[:, :, 1:7], 1)"
                               << "aten::add"
                               << "a constant that varies along other than the channels";
}

void TestQsmExporter::namesWhatItCannotExpress()
{
    // A scripted model the format cannot express: its node is refused by name, with why; the
    // run itself, in LibTorch, is fine.
    QFETCH(QString, forward);
    QFETCH(QString, node);
    QFETCH(QString, why);
    torch::jit::Module m("Refused");
    m.register_parameter("w", torch::randn({4, 1, 3, 3}), false);
    m.register_parameter("fc", torch::randn({10, 4 * 6 * 8}), false);
    m.register_parameter("pos", torch::randn({1, 4, 8, 8}), false);
    m.define(QStringLiteral(R"(
def forward(self, x):
    y = torch.relu(torch.conv2d(x, self.w, None, [1, 1], [1, 1]))
    return torch.linear(%1, self.fc)
)")
                 .arg(forward)
                 .toStdString());
    const auto path = m_dir.filePath(QStringLiteral("refused.pt")).toStdString();
    m.save(path, {{"quantscope.json", R"({"input_shape": [1, 8, 8]})"}});
    const auto run = quantized(path);
    try {
        deploy::QsmExporter::build(run);
        QFAIL("exported");
    } catch (const Error &e) {
        const std::string message = e.what();
        QVERIFY2(message.find(node.toStdString()) != std::string::npos &&
                     message.find(why.toStdString()) != std::string::npos,
                 message.c_str());
    }
}

QTEST_GUILESS_MAIN(TestQsmExporter)
#include "tst_qsm_exporter.moc"
