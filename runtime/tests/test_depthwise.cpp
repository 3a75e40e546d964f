// SPDX-License-Identifier: MIT
// DepthwiseConv: every build of its row loop this CPU runs against the sums written out, from
// floats and from codes, to floats and to codes; and which build a layer's weights allow.
#include "check.h"
#include "kernels/activation_coder.h"
#include "kernels/depthwise_conv.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace quantscope::runtime;
using namespace quantscope::runtime::test;

TEST_CASE(everyDepthwiseBuildMatchesTheDefinition)
{
    // Each build of the depthwise row loop this CPU runs, on channels past its whole vectors (29:
    // 16 + 8 + 4 + 1, every narrower vector and a scalar) and rows past its four positions in
    // flight, against the sums written out: integer codes and weights (or weights off by
    // quarters, as a zero point's fraction puts them), so every sum is exact and only the
    // epilogue rounds. From the input's codes and to the output's, the codes of the same floats.
    struct Shape
    {
        int64_t kernel, stride, pad, dilation, size;
        bool fractional; // weights off by quarters
    };
    std::mt19937 random(11);
    for (const auto &kernel : DepthwiseConv::rowKernels())
        for (const Shape &s : {Shape{3, 1, 1, 1, 11, false}, Shape{3, 1, 1, 1, 11, true},
                               Shape{5, 2, 2, 1, 13, false}, Shape{5, 2, 2, 1, 13, true},
                               Shape{3, 1, 2, 2, 9, false}})
            for (size_t channels : {3, 29, 37}) {
                const int64_t out = (s.size + 2 * s.pad - s.dilation * (s.kernel - 1) - 1) /
                                        s.stride + 1;
                const ConvWindow g{s.kernel,   s.kernel,   s.stride, s.stride, s.pad,
                                   s.pad,      s.dilation, s.dilation, s.size, s.size, out};
                const size_t taps = size_t(s.kernel * s.kernel);
                std::vector<float> weights(channels * taps), input(size_t(s.size * s.size) *
                                                                  channels);
                // Whole weights, then some channels' offset by a quarter or a half (a weight
                // zero point's fraction; exact in float, so the sums stay exact).
                for (size_t i = 0; i < weights.size(); ++i)
                    weights[i] = float(int(random() % 31) - 15) -
                                 (s.fractional ? 0.25f * float(i / taps % 3) : 0.0f);
                for (auto &x : input)
                    x = float(random() % 200) * 0.1f - 4; // codes 0 … 15 at scale 0.5
                ActivationCoder coder;
                coder.scale = 0.5f, coder.zero = 8, coder.lo = 0, coder.hi = 15;
                // Three position classes with their own subtrahends, as borders have.
                std::vector<uint32_t> classes(size_t(out * out));
                for (size_t p = 0; p < classes.size(); ++p)
                    classes[p] = uint32_t(p % 3);
                std::vector<float> scale(channels), bias(channels), padding(3 * channels);
                for (size_t c = 0; c < channels; ++c)
                    scale[c] = 0.25f + 0.01f * float(c), bias[c] = float(c) - 9;
                for (auto &v : padding)
                    v = float(int(random() % 100) - 50);
                const ChannelEpilogue e{scale.data(), bias.data(), classes.data(), padding.data(),
                                        -20.0f,       20.0f};
                std::vector<float> got(classes.size() * channels);
                const DepthwiseConv conv(weights, channels, g, &kernel);
                conv.run(LayerInput{input.data(), nullptr}, coder, 0, size_t(out), e,
                         LayerOutput{got.data(), nullptr, {}});
                // The same from the input's codes, as a layer before writes them; and the output
                // coded for the layers after: each the codes of the floats above.
                std::vector<uint8_t> inCodes(input.size()), outCodes(got.size());
                codeValues(input.data(), inCodes.data(), input.size(), coder);
                ActivationCoder next;
                next.scale = 0.3f, next.zero = 3, next.lo = -4, next.hi = 11;
                conv.run(LayerInput{nullptr, inCodes.data()}, coder, 0, size_t(out), e,
                         LayerOutput{nullptr, outCodes.data(), next});
                size_t sameCodes = 0;
                for (size_t i = 0; i < got.size(); ++i)
                    sameCodes += outCodes[i] == next.code(got[i]);
                CHECK_MSG(sameCodes == got.size(),
                          kernel.name + ": " + std::to_string(got.size() - sameCodes) +
                              " outputs coded otherwise from the input's codes");
                float worst = 0;
                for (int64_t oy = 0; oy < out; ++oy)
                    for (int64_t ox = 0; ox < out; ++ox)
                        for (size_t c = 0; c < channels; ++c) {
                            double sum = 0;
                            for (int64_t ky = 0; ky < s.kernel; ++ky)
                                for (int64_t kx = 0; kx < s.kernel; ++kx) {
                                    const int64_t iy = oy * s.stride - s.pad + ky * s.dilation,
                                                  ix = ox * s.stride - s.pad + kx * s.dilation;
                                    if (iy < 0 || iy >= s.size || ix < 0 || ix >= s.size)
                                        continue;
                                    const float x = input[size_t(iy * s.size + ix) * channels + c];
                                    sum += double(coder.quantized(x) - coder.lo) *
                                           weights[c * taps + size_t(ky * s.kernel + kx)];
                                }
                            const size_t p = size_t(oy * out + ox);
                            const double y = std::clamp(
                                scale[c] * (sum - padding[classes[p] * channels + c]) + bias[c],
                                -20.0, 20.0);
                            worst = std::max(worst, float(std::fabs(got[p * channels + c] - y)));
                        }
                CHECK_MSG(worst <= 1e-5f, kernel.name + ", " + std::to_string(s.kernel) + "×" +
                                              std::to_string(s.kernel) + ", " +
                                              std::to_string(channels) + " channels: off by " +
                                              std::to_string(worst));
            }
}

TEST_CASE(depthwiseWeightsSplitIntoIntegersAndChannelOffsets)
{
    // Uniform codes minus a zero point split into integers and one offset per channel (its
    // zero point's fraction) and may take an integer build; ALQ's sums of bases, or weights
    // whose sums would pass int32, take a float one, whichever the CPU has.
    const auto whole = DepthwiseConv::integerParts({-255, 0, 3, 255}, 2, 2);
    CHECK(whole && whole->offsets.empty());
    CHECK(whole && whole->weights == std::vector<int16_t>({-255, 3, 0, 255})); // [tap][channel]
    // Codes 0, 3 and 12 of a channel whose zero point is 7.3, and 2, 5 and 9 of one at 4.
    const float z = 7.3f;
    const auto split =
        DepthwiseConv::integerParts({0 - z, 3 - z, 12 - z, 2 - 4, 5 - 4, 9 - 4}, 2, 3);
    CHECK(split && split->offsets.size() == 2);
    CHECK(split && split->weights == std::vector<int16_t>({-7, -2, -4, 1, 5, 5}));
    CHECK(split && std::fabs(split->offsets[0] - (7.0f - z)) < 1e-6f && split->offsets[1] == 0);
    CHECK(!DepthwiseConv::integerParts({1, 0.5f, 0.25f}, 1, 3));
    CHECK(!DepthwiseConv::integerParts({40000}, 1, 1));
    CHECK(!DepthwiseConv::integerParts({30000}, 1, 300)); // 255 · 30 000 · 300 > 2^31
    const ConvWindow g{3, 3, 1, 1, 1, 1, 1, 1, 4, 4, 4};
    std::vector<float> integers(8 * 9, 2.0f), fractions(8 * 9, 0.25f);
    fractions[3] = 0.5f; // two fractions in one row: no single offset
    std::string floatBuild, integerBuild;
    for (const auto &k : DepthwiseConv::rowKernels())
        (k.integerRow ? integerBuild : floatBuild) = k.name;
    CHECK(!floatBuild.empty());
    CHECK(DepthwiseConv(fractions, 8, g).kernelName() == floatBuild);
    CHECK(DepthwiseConv(integers, 8, g).kernelName() ==
          (integerBuild.empty() ? floatBuild : integerBuild));
    for (const auto &k : DepthwiseConv::rowKernels())
        if (k.integerRow) {
            bool refused = false;
            try {
                DepthwiseConv(fractions, 8, g, &k);
            } catch (const std::invalid_argument &) {
                refused = true;
            }
            CHECK_MSG(refused, k.name + " took fractional weights");
        }
}

int main()
{
    return runAll();
}
