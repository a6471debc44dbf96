// patchify against a naive stride-p convolution, interpolate_bicubic against values worked
// out by hand from torch's bicubic formula and against its exact properties.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cuddle/ops.h"

using namespace cuddle;

namespace {

Tensor random_tensor(const Shape& shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(shape_numel(shape));
  for (auto& x : v) x = dist(gen);
  return Tensor::from_vector(v, shape);
}

// Conv2d(x, w [D, C, p, p], bias, kernel = stride = p) as [B, nh * nw, D], one dot
// product per output in double.
std::vector<double> naive_patch_conv(const Tensor& x, const Tensor& w, const Tensor& bias, int64_t p) {
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), D = w.size(0);
  const int64_t nh = H / p, nw = W / p;
  std::vector<double> out;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t ph = 0; ph < nh; ++ph)
      for (int64_t pw = 0; pw < nw; ++pw)
        for (int64_t d = 0; d < D; ++d) {
          double s = bias.item_as_double({d});
          for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < p; ++i)
              for (int64_t j = 0; j < p; ++j)
                s += x.item_as_double({b, c, ph * p + i, pw * p + j}) * w.item_as_double({d, c, i, j});
          out.push_back(s);
        }
  return out;
}

}  // namespace

TEST(VisionOps, PatchifyThenLinearIsTheStridedConvolution) {
  // 2 images, 3 channels, 10 x 13 pixels, patch 4: a 2 x 3 grid, the remainder dropped.
  const int64_t p = 4, D = 5;
  Tensor x = random_tensor({2, 3, 10, 13}, 1), w = random_tensor({D, 3, p, p}, 2),
         b = random_tensor({D}, 3);
  Tensor patches = ops::patchify(x, p);
  ASSERT_EQ(patches.shape(), (Shape{2, 6, 3 * p * p}));
  Tensor y = ops::linear(patches, w.reshape({D, 3 * p * p}), b);
  const auto expected = naive_patch_conv(x, w, b, p);
  const auto got = y.to_float_vector();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5) << i;
}

TEST(VisionOps, PatchifyChecksItsInput) {
  EXPECT_THROW(ops::patchify(random_tensor({1, 3, 8}, 1), 4), ShapeError);
  EXPECT_THROW(ops::patchify(random_tensor({1, 3, 3, 8}, 1), 4), ShapeError);
  EXPECT_THROW(ops::patchify(Tensor::zeros({1, 1, 4, 4}, DType::I64), 4), ShapeError);
}

TEST(VisionOps, BicubicUpsampleOfARampByHand) {
  // [0, 1] -> 4 columns. Source x = -0.25, 0.25, 0.75, 1.25; taps clamp to the border.
  // With a = -0.75: W(0.25) = 0.87890625, W(0.75) = 0.26171875, W(1.25) = -0.10546875,
  // W(1.75) = -0.03515625, so out[0] = W(1.25) (taps 0 0 0 1 at t = 0.75) and
  // out[1] = W(0.75) + W(1.75) (taps 0 0 1 1 at t = 0.25); the rest mirrors.
  Tensor x = Tensor::from_vector<float>({0, 1}, {1, 1, 1, 2});
  auto y = ops::interpolate_bicubic(x, 1, 4).to_float_vector();
  ASSERT_EQ(y.size(), 4u);
  EXPECT_FLOAT_EQ(y[0], -0.10546875f);
  EXPECT_FLOAT_EQ(y[1], 0.2265625f);
  EXPECT_FLOAT_EQ(y[2], 0.7734375f);
  EXPECT_FLOAT_EQ(y[3], 1.10546875f);
}

TEST(VisionOps, BicubicProperties) {
  // Same size: the weights are exactly (0, 1, 0, 0), so the input comes back unchanged.
  Tensor x = random_tensor({2, 3, 4, 5}, 4);
  EXPECT_EQ(ops::interpolate_bicubic(x, 4, 5).to_float_vector(), x.to_float_vector());
  // The weights sum to one: a constant plane stays constant at any size.
  Tensor c = Tensor::full({1, 3, 3}, 0.5f);
  Tensor up = ops::interpolate_bicubic(c, 7, 2);
  EXPECT_EQ(up.shape(), (Shape{1, 7, 2}));
  for (float v : up.to_float_vector()) EXPECT_NEAR(v, 0.5f, 1e-6);
  // Separable: a plane that varies only along W resizes like its single row.
  Tensor row = random_tensor({1, 1, 1, 6}, 5);
  Tensor plane = Tensor::zeros({1, 1, 3, 6});
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 6; ++j) plane.data<float>()[i * 6 + j] = row.data<float>()[j];
  auto r = ops::interpolate_bicubic(row, 1, 4).to_float_vector();
  auto p = ops::interpolate_bicubic(plane, 5, 4).to_float_vector();
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t j = 0; j < 4; ++j) EXPECT_NEAR(p[i * 4 + j], r[j], 1e-6);
  EXPECT_THROW(ops::interpolate_bicubic(x, 0, 3), ShapeError);
}
