#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <random>

#include "kernels/cpu/kernels.h"
#include "kernels/reference.h"

using namespace cuddle;

TEST(Attention, RandomShapesFusedQkvAndPadding) {
  std::mt19937 rng(6);
  std::uniform_int_distribution<int64_t> small(1, 5), seq(1, 37), head(1, 17);
  for (int trial = 0; trial < 25; ++trial) {
    const int64_t B = small(rng), S = seq(rng), H = small(rng), D = head(rng);
    const int64_t width = H * D;
    // q, k, v as the three column blocks of one fused [B, S, 3*width] projection.
    const int64_t ld = 3 * width;
    auto qkv = test::random_vector(rng, B * S * ld, -2, 2);
    std::vector<float> bias;
    if (trial % 2 == 1) {
      bias.assign(static_cast<size_t>(B * S), 0.0f);
      for (int64_t b = 0; b < B; ++b) {
        const int64_t keep = trial % 4 == 3 && b == 0 ? 0 : 1 + (b * 7) % S;  // incl. all padded
        for (int64_t j = keep; j < S; ++j) bias[b * S + j] = -FLT_MAX;
      }
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    std::vector<float> ctx(static_cast<size_t>(B * S * width), NAN);
    kernels::attention(qkv.data(), qkv.data() + width, qkv.data() + 2 * width, ld, B, S, H, D,
                       scale, bias.empty() ? nullptr : bias.data(), ctx.data());
    auto ref = test::ref_attention(std::vector<float>(qkv.begin(), qkv.end()),
                                   std::vector<float>(qkv.begin() + width, qkv.end()),
                                   std::vector<float>(qkv.begin() + 2 * width, qkv.end()), ld, B,
                                   S, H, D, scale, bias);
    EXPECT_LT(test::max_abs_diff(ctx, ref), 1e-5) << B << " " << S << " " << H << " " << D;
  }
}
