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
    // Causal rows whose visible keys are all padding do not occur (padding is on the right
    // and key 0 is real), so causal trials keep the first key.
    const bool causal = trial % 3 == 2 && trial % 4 != 3;
    kernels::attention(qkv.data(), qkv.data() + width, qkv.data() + 2 * width,
                       {B, S, S, H, D, ld, ld}, scale, bias.empty() ? nullptr : bias.data(),
                       causal, ctx.data());
    auto ref = test::ref_attention(std::vector<float>(qkv.begin(), qkv.end()),
                                   std::vector<float>(qkv.begin() + width, qkv.end()),
                                   std::vector<float>(qkv.begin() + 2 * width, qkv.end()), ld, ld,
                                   B, S, S, H, D, scale, bias, causal);
    EXPECT_LT(test::max_abs_diff(ctx, ref), 1e-5) << B << " " << S << " " << H << " " << D;
  }
}

// Cross-attention (DETR's decoder): Sq queries over Sk keys from another sequence, with
// separate row strides for q and k/v and a padding mask over the keys.
TEST(Attention, CrossAttentionWithDifferentLengths) {
  std::mt19937 rng(8);
  std::uniform_int_distribution<int64_t> small(1, 4), seq(1, 29), head(1, 9);
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t B = small(rng), Sq = seq(rng), Sk = seq(rng), H = small(rng), D = head(rng);
    const int64_t width = H * D, ldq = width + trial % 3, ldkv = 2 * width;
    auto q = test::random_vector(rng, B * Sq * ldq, -2, 2);
    auto kv = test::random_vector(rng, B * Sk * ldkv, -2, 2);
    std::vector<float> bias(static_cast<size_t>(B * Sk), 0.0f);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 1 + b % Sk; j < Sk; ++j) bias[b * Sk + j] = -FLT_MAX;
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    std::vector<float> ctx(static_cast<size_t>(B * Sq * width), NAN);
    kernels::attention(q.data(), kv.data(), kv.data() + width, {B, Sq, Sk, H, D, ldq, ldkv}, scale,
                       bias.data(), /*causal=*/false, ctx.data());
    auto ref = test::ref_attention(q, kv, std::vector<float>(kv.begin() + width, kv.end()), ldq,
                                   ldkv, B, Sq, Sk, H, D, scale, bias, false);
    EXPECT_LT(test::max_abs_diff(ctx, ref), 1e-5) << B << " " << Sq << " " << Sk;
  }
}
