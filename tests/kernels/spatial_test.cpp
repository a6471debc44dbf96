// NCHW kernels (conv2d, channel affine, max / adaptive average pooling) against the plainest
// double-precision loops on random shapes: odd sizes, strides, padding, dilation, groups.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/cpu/spatial.h"
#include "kernels/reference.h"

using namespace cuddle;

namespace {

int64_t out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil) {
  return (in + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

std::vector<float> ref_conv2d(const std::vector<float>& x, const kernels::Window2d& s,
                              const std::vector<float>& w, int64_t O, int64_t groups,
                              const std::vector<float>* bias, Activation act) {
  const int64_t Cg = s.C / groups, Og = O / groups;
  std::vector<float> y(static_cast<size_t>(s.B * O * s.OH * s.OW));
  for (int64_t b = 0; b < s.B; ++b)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oh = 0; oh < s.OH; ++oh)
        for (int64_t ow = 0; ow < s.OW; ++ow) {
          double acc = bias ? (*bias)[o] : 0.0;
          const int64_t g = o / Og;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < s.kh; ++i)
              for (int64_t j = 0; j < s.kw; ++j) {
                const int64_t ih = oh * s.stride_h - s.pad_h + i * s.dil_h;
                const int64_t iw = ow * s.stride_w - s.pad_w + j * s.dil_w;
                if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W) continue;
                acc += double(x[((b * s.C + g * Cg + c) * s.H + ih) * s.W + iw]) *
                       w[((o * Cg + c) * s.kh + i) * s.kw + j];
              }
          y[((b * O + o) * s.OH + oh) * s.OW + ow] = float(test::ref_activation(act, acc));
        }
  return y;
}

}  // namespace

TEST(Conv2d, RandomShapesAgainstNaiveLoop) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int64_t> small(1, 3), size(1, 13), kern(1, 4), pad(0, 2);
  int pointwise = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const int64_t groups = trial % 4 == 0 ? small(rng) : 1;
    const int64_t C = groups * small(rng), O = groups * small(rng);
    kernels::Window2d s{small(rng), C, size(rng), size(rng), kern(rng), kern(rng), small(rng),
                        small(rng), pad(rng), pad(rng), small(rng), small(rng), 0, 0};
    if (trial % 5 == 0) {  // the pointwise (plain GEMM) path
      s.kh = s.kw = s.stride_h = s.stride_w = s.dil_h = s.dil_w = 1;
      s.pad_h = s.pad_w = 0;
      ++pointwise;
    }
    s.OH = out_size(s.H, s.kh, s.stride_h, s.pad_h, s.dil_h);
    s.OW = out_size(s.W, s.kw, s.stride_w, s.pad_w, s.dil_w);
    if (s.OH < 1 || s.OW < 1) continue;
    auto x = test::random_vector(rng, s.B * C * s.H * s.W);
    auto w = test::random_vector(rng, O * (C / groups) * s.kh * s.kw);
    auto bias = test::random_vector(rng, O);
    const bool with_bias = trial % 2 == 0;
    const Activation act = trial % 3 == 0 ? Activation::Relu : Activation::Identity;
    std::vector<float> y(static_cast<size_t>(s.B * O * s.OH * s.OW), NAN);
    kernels::conv2d(x.data(), s, w.data(), O, groups, with_bias ? bias.data() : nullptr, act,
                    y.data());
    auto ref = ref_conv2d(x, s, w, O, groups, with_bias ? &bias : nullptr, act);
    EXPECT_LT(test::max_abs_diff(y, ref), 1e-5) << "trial " << trial;
  }
  EXPECT_GT(pointwise, 0);
}

TEST(Conv2d, LargeEnoughForThreadedIm2col) {
  std::mt19937 rng(12);
  kernels::Window2d s{2, 8, 37, 41, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0};
  s.OH = out_size(s.H, 3, 2, 1, 1);
  s.OW = out_size(s.W, 3, 2, 1, 1);
  const int64_t O = 24;
  auto x = test::random_vector(rng, s.B * s.C * s.H * s.W);
  auto w = test::random_vector(rng, O * s.C * 9);
  auto bias = test::random_vector(rng, O);
  std::vector<float> y(static_cast<size_t>(s.B * O * s.OH * s.OW));
  kernels::conv2d(x.data(), s, w.data(), O, 1, bias.data(), Activation::Relu, y.data());
  EXPECT_LT(test::max_abs_diff(y, ref_conv2d(x, s, w, O, 1, &bias, Activation::Relu)), 1e-5);
}

TEST(ChannelAffine, ScalesAndShiftsEachChannel) {
  std::mt19937 rng(13);
  const int64_t B = 2, C = 3, P = 5;
  auto x = test::random_vector(rng, B * C * P);
  auto scale = test::random_vector(rng, C), shift = test::random_vector(rng, C);
  std::vector<float> y(x.size());
  kernels::channel_affine(x.data(), B, C, P, scale.data(), shift.data(), y.data());
  for (int64_t i = 0; i < B * C * P; ++i) {
    const int64_t c = (i / P) % C;
    EXPECT_FLOAT_EQ(y[i], x[i] * scale[c] + shift[c]);
  }
}

TEST(MaxPool2d, RandomShapesWithPaddingAndNan) {
  std::mt19937 rng(14);
  std::uniform_int_distribution<int64_t> small(1, 3), size(1, 15), kern(1, 4);
  for (int trial = 0; trial < 40; ++trial) {
    kernels::Window2d s{small(rng), small(rng), size(rng), size(rng), kern(rng), kern(rng),
                        small(rng), small(rng), 0, 0, 1, 1, 0, 0};
    s.pad_h = std::uniform_int_distribution<int64_t>(0, s.kh / 2)(rng);
    s.pad_w = std::uniform_int_distribution<int64_t>(0, s.kw / 2)(rng);
    s.OH = out_size(s.H, s.kh, s.stride_h, s.pad_h, 1);
    s.OW = out_size(s.W, s.kw, s.stride_w, s.pad_w, 1);
    if (s.OH < 1 || s.OW < 1) continue;
    auto x = test::random_vector(rng, s.B * s.C * s.H * s.W, -5, -1);  // all negative: padding must not win
    if (trial == 3) x[0] = NAN;
    std::vector<float> y(static_cast<size_t>(s.B * s.C * s.OH * s.OW));
    kernels::max_pool2d(x.data(), s, y.data());
    for (int64_t bc = 0; bc < s.B * s.C; ++bc)
      for (int64_t oh = 0; oh < s.OH; ++oh)
        for (int64_t ow = 0; ow < s.OW; ++ow) {
          float m = -std::numeric_limits<float>::infinity();
          bool nan = false;
          for (int64_t ih = oh * s.stride_h - s.pad_h; ih < oh * s.stride_h - s.pad_h + s.kh; ++ih)
            for (int64_t iw = ow * s.stride_w - s.pad_w; iw < ow * s.stride_w - s.pad_w + s.kw; ++iw)
              if (ih >= 0 && ih < s.H && iw >= 0 && iw < s.W) {
                const float v = x[(bc * s.H + ih) * s.W + iw];
                nan |= std::isnan(v);
                m = std::max(m, v);
              }
          const float got = y[(bc * s.OH + oh) * s.OW + ow];
          if (nan)
            EXPECT_TRUE(std::isnan(got));
          else
            EXPECT_EQ(got, m) << "trial " << trial;
        }
  }
}

TEST(AdaptiveAvgPool2d, RandomShapesAndGlobalPool) {
  std::mt19937 rng(15);
  std::uniform_int_distribution<int64_t> small(1, 3), size(1, 11);
  for (int trial = 0; trial < 30; ++trial) {
    const int64_t B = small(rng), C = small(rng), H = size(rng), W = size(rng);
    const int64_t OH = trial % 3 == 0 ? 1 : size(rng), OW = trial % 3 == 0 ? 1 : size(rng);
    auto x = test::random_vector(rng, B * C * H * W);
    std::vector<float> y(static_cast<size_t>(B * C * OH * OW));
    kernels::adaptive_avg_pool2d(x.data(), B, C, H, W, OH, OW, y.data());
    std::vector<float> ref(y.size());
    for (int64_t bc = 0; bc < B * C; ++bc)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t h0 = int64_t(std::floor(double(oh) * H / OH)),
                        h1 = int64_t(std::ceil(double(oh + 1) * H / OH));
          const int64_t w0 = int64_t(std::floor(double(ow) * W / OW)),
                        w1 = int64_t(std::ceil(double(ow + 1) * W / OW));
          double sum = 0;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) sum += x[(bc * H + ih) * W + iw];
          ref[(bc * OH + oh) * OW + ow] = float(sum / double((h1 - h0) * (w1 - w0)));
        }
    EXPECT_LT(test::max_abs_diff(y, ref), 1e-6) << "trial " << trial;
  }
}
