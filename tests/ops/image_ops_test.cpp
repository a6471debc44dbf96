// Image ops: output shapes, argument checks and their messages, and small hand-computable
// values; the kernels' numerics on random shapes are in tests/kernels/spatial_test.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "cuddle/ops.h"
#include "test_util.h"

using namespace cuddle;

namespace {
Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
}  // namespace

TEST(ImageOps, Conv2dStridePaddingBiasAndActivation) {
  // 1 image, 1 channel, 3x3 of 1..9; a 2x2 kernel of ones sums each window.
  Tensor x = f32({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  Tensor w = Tensor::full({1, 1, 2, 2}, 1.0f);
  EXPECT_EQ(ops::conv2d(x, w).to_float_vector(), (std::vector<float>{12, 16, 24, 28}));
  ops::Conv2dOptions o;
  o.stride = {2, 2};
  o.padding = {1, 1};
  Tensor y = ops::conv2d(x, w, f32({-10}, {1}), o);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.to_float_vector(), (std::vector<float>{-9, -5, 1, 18}));
  o.act = Activation::Relu;
  EXPECT_EQ(ops::conv2d(x, w, f32({-10}, {1}), o).to_float_vector(),
            (std::vector<float>{0, 0, 1, 18}));
  // Grouped 1x1: each output channel sees only its own input channel.
  Tensor x2 = f32({1, 2, 3, 4}, {1, 2, 1, 2});
  ops::Conv2dOptions g;
  g.groups = 2;
  EXPECT_EQ(ops::conv2d(x2, f32({10, 100}, {2, 1, 1, 1}), {}, g).to_float_vector(),
            (std::vector<float>{10, 20, 300, 400}));
}

TEST(ImageOps, Conv2dErrorsNameTheArgument) {
  Tensor x = Tensor::zeros({1, 3, 4, 4});
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::conv2d(x, Tensor::zeros({2, 2, 1, 1})); })
                .find("conv2d: weight F32[2, 2, 1, 1] expects 2 input channels"),
            std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::conv2d(Tensor::zeros({3, 4, 4}), Tensor::zeros({2, 3, 1, 1})); })
                .find("conv2d: input must have 4 dimensions"),
            std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::conv2d(x, Tensor::zeros({2, 3, 1, 1}), Tensor::zeros({3})); })
                .find("conv2d: bias F32[3] must be [2]"),
            std::string::npos);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::conv2d(x, Tensor::zeros({2, 3, 5, 5})); })
                .find("smaller than the window"),
            std::string::npos);
  ops::Conv2dOptions o;
  o.groups = 2;
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::conv2d(x, Tensor::zeros({2, 1, 1, 1}), {}, o); }).find("groups 2"),
            std::string::npos);
  o = {};
  o.stride = {0, 1};
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::conv2d(x, Tensor::zeros({2, 3, 1, 1}), {}, o); })
                .find("conv2d: stride (0, 1) must be positive"),
            std::string::npos);
}

TEST(ImageOps, BatchNormUsesRunningStatistics) {
  Tensor x = f32({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2, 1});
  Tensor mean = f32({1, 2}, {2}), var = f32({4, 0.25f}, {2});
  Tensor w = f32({2, 1}, {2}), b = f32({0, 10}, {2});
  const float eps = 1e-5f;
  auto y = ops::batch_norm(x, mean, var, w, b, eps).to_float_vector();
  auto xv = x.to_float_vector();
  for (int i = 0; i < 8; ++i) {
    const int c = (i / 2) % 2;
    const double ref = (xv[i] - mean.to_float_vector()[c]) /
                           std::sqrt(double(var.to_float_vector()[c]) + eps) * w.to_float_vector()[c] +
                       b.to_float_vector()[c];
    EXPECT_NEAR(y[i], ref, 1e-5) << i;
  }
  // Without affine parameters: weight 1, bias 0.
  EXPECT_NEAR(ops::batch_norm(x, mean, var, {}, {}, 0.0f).to_float_vector()[1], 0.5, 1e-6);
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::batch_norm(x, f32({0, 0, 0}, {3}), var, w, b, eps); })
                .find("batch_norm: running_mean F32[3] must be [2]"),
            std::string::npos);
}

TEST(ImageOps, MaxPoolPadsWithMinusInfinity) {
  Tensor x = f32({-1, -2, -3, -4, -5, -6, -7, -8, -9}, {1, 1, 3, 3});
  Tensor y = ops::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.to_float_vector(), (std::vector<float>{-1, -2, -4, -5}));
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::max_pool2d(x, {3, 3}, {2, 2}, {2, 2}); })
                .find("max_pool2d: padding 2 must be at most half the kernel size 3"),
            std::string::npos);
}

TEST(ImageOps, AdaptiveAvgPool) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {1, 1, 2, 3});
  EXPECT_EQ(ops::adaptive_avg_pool2d(x, {1, 1}).to_float_vector(), (std::vector<float>{3.5f}));
  // Overlapping windows: columns {0, 1} and {1, 2}.
  EXPECT_EQ(ops::adaptive_avg_pool2d(x, {1, 2}).to_float_vector(),
            (std::vector<float>{3, 4}));
  EXPECT_NE(test::error_of<ShapeError>([&] { ops::adaptive_avg_pool2d(x, {0, 1}); }).find("must be positive"),
            std::string::npos);
}
