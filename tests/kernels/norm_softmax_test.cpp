#include <gtest/gtest.h>

#include <cfloat>
#include <random>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/softmax_row.h"
#include "kernels/reference.h"

using namespace cuddle;

TEST(LayerNorm, RandomShapesWithAndWithoutResidual) {
  std::mt19937 rng(4);
  std::uniform_int_distribution<int64_t> dim(1, 300);
  for (int trial = 0; trial < 30; ++trial) {
    const int64_t rows = dim(rng) / 3 + 1, n = dim(rng);
    auto x = test::random_vector(rng, rows * n, -5, 5), r = test::random_vector(rng, rows * n),
         g = test::random_vector(rng, n), b = test::random_vector(rng, n);
    const bool with_res = trial % 2 == 0;
    std::vector<float> out(x.size());
    kernels::add_layer_norm(x.data(), with_res ? r.data() : nullptr, g.data(), b.data(), rows, n,
                            1e-12f, out.data());
    auto ref = test::ref_layer_norm(x, with_res ? &r : nullptr, g, b, rows, n, 1e-12f);
    EXPECT_LT(test::max_abs_diff(out, ref), 2e-5) << rows << "x" << n;
    // In place over x gives the same result.
    kernels::add_layer_norm(x.data(), with_res ? r.data() : nullptr, g.data(), b.data(), rows, n,
                            1e-12f, x.data());
    EXPECT_EQ(test::max_abs_diff(x, out), 0.0f);
  }
}

TEST(Softmax, RandomRowsAndOddLengths) {
  std::mt19937 rng(5);
  for (int64_t n : {1, 2, 7, 16, 33, 129, 1000}) {
    auto x = test::random_vector(rng, 5 * n, -20, 20);
    auto ref = test::ref_softmax(x, 5, n);
    kernels::softmax(x.data(), 5, n);
    EXPECT_LT(test::max_abs_diff(x, ref), 1e-6) << n;
  }
}

TEST(Softmax, FloatMinBiasGivesExactZeroAndAllMaskedIsUniform) {
  std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};
  std::vector<float> bias = {0.0f, -FLT_MAX, 0.0f, -FLT_MAX};
  kernels::softmax_row(x.data(), bias.data(), 4);
  EXPECT_EQ(x[1], 0.0f);
  EXPECT_EQ(x[3], 0.0f);
  EXPECT_NEAR(x[2], 1.0 / (1.0 + std::exp(-2.0)), 1e-7);
  // transformers adds the dtype minimum; a fully padded row then has equal scores.
  std::vector<float> y = {1.0f, 2.0f, 3.0f};
  std::vector<float> all = {-FLT_MAX, -FLT_MAX, -FLT_MAX};
  kernels::softmax_row(y.data(), all.data(), 3);
  for (float v : y) EXPECT_NEAR(v, 1.0f / 3, 1e-7);
}
