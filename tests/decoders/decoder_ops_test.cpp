// The decoder ops against independent references: RMSNorm and SwiGLU against their
// formulas in double, rotary embedding against the rotation written out, and grouped-query
// causal attention against ops::attention (multi-head, causal) on key/value heads
// repeated per group, then with a cache offset, padding, and a sliding window against a
// naive double-precision loop. Tolerance 1e-5 absolute (f32).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cuddle/ops.h"
#include "decoder_test_util.h"
#include "test_util.h"

using namespace cuddle;

namespace {

Tensor random(const Shape& shape, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (auto& x : v) x = dist(gen);
  return Tensor::from_vector(v, shape);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  return test::max_abs_diff(a.to_float_vector(), b.to_float_vector());
}

// k [B, S, Hkv*D] -> [B, S, H*D], each key/value head repeated for its group of queries.
Tensor repeat_kv(const Tensor& k, int64_t H, int64_t Hkv, int64_t D) {
  const int64_t B = k.size(0), S = k.size(1);
  std::vector<float> out;
  const auto in = k.to_float_vector();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t d = 0; d < D; ++d) out.push_back(in[((b * S + s) * Hkv + h / (H / Hkv)) * D + d]);
  return Tensor::from_vector(out, {B, S, H * D});
}

TEST(DecoderOps, RmsNormMatchesItsFormula) {
  const Tensor x = random({3, 7}, 1), w = random({7}, 2);
  for (float offset : {0.0f, 1.0f}) {
    const auto y = ops::rms_norm(x, w, 1e-6f, offset).to_float_vector();
    const auto xv = x.to_float_vector(), wv = w.to_float_vector();
    for (int r = 0; r < 3; ++r) {
      double ss = 0;
      for (int i = 0; i < 7; ++i) ss += double(xv[r * 7 + i]) * xv[r * 7 + i];
      const double inv = 1.0 / std::sqrt(ss / 7 + 1e-6);
      for (int i = 0; i < 7; ++i) EXPECT_NEAR(y[r * 7 + i], xv[r * 7 + i] * inv * (wv[i] + offset), 1e-5);
    }
  }
  EXPECT_NE(test::error_of([&] { ops::rms_norm(x, random({6}, 3), 1e-6f); }).find("rms_norm: weight F32[6] must be [7]"),
            std::string::npos);
}

TEST(DecoderOps, GatedActivationIsSiluOfGateTimesUp) {
  const Tensor x = random({2, 3, 8}, 4);
  const auto y = ops::gated_activation(x, Activation::Silu).to_float_vector();
  const auto xv = x.to_float_vector();
  ASSERT_EQ(y.size(), 24u);
  for (int r = 0; r < 6; ++r)
    for (int i = 0; i < 4; ++i) {
      const double g = xv[r * 8 + i], u = xv[r * 8 + 4 + i];
      EXPECT_NEAR(y[r * 4 + i], g / (1 + std::exp(-g)) * u, 1e-5);
    }
  EXPECT_NE(test::error_of([&] { ops::gated_activation(random({2, 3}, 5), Activation::Silu); }).find("even"),
            std::string::npos);
}

TEST(DecoderOps, RotaryRotatesHalvesOfEachHead) {
  // Two heads of 6 dims, rotary on the first 4 (partial rotary): dims 4, 5 pass through.
  const Tensor x = random({1, 2, 12}, 6);
  const Tensor cos = random({1, 2, 4}, 7), sin = random({1, 2, 4}, 8);
  const auto y = ops::rotary_embedding(x, cos, sin, 6).to_float_vector();
  const auto xv = x.to_float_vector(), c = cos.to_float_vector(), s = sin.to_float_vector();
  for (int t = 0; t < 2; ++t)
    for (int h = 0; h < 2; ++h) {
      const float* p = xv.data() + t * 12 + h * 6;
      const float* q = y.data() + t * 12 + h * 6;
      const float* ct = c.data() + t * 4;
      const float* st = s.data() + t * 4;
      for (int d = 0; d < 2; ++d) {
        EXPECT_NEAR(q[d], p[d] * ct[d] - p[d + 2] * st[d], 1e-5);
        EXPECT_NEAR(q[d + 2], p[d + 2] * ct[d + 2] + p[d] * st[d + 2], 1e-5);
      }
      EXPECT_EQ(q[4], p[4]);
      EXPECT_EQ(q[5], p[5]);
    }
  EXPECT_NE(test::error_of([&] { ops::rotary_embedding(x, random({1, 2, 8}, 9), random({1, 2, 8}, 9), 6); })
                .find("even R <= head_dim 6"),
            std::string::npos);
}

TEST(DecoderOps, GroupedQueryAttentionEqualsMultiHeadOnRepeatedKeys) {
  const int64_t B = 2, S = 5, H = 4, Hkv = 2, D = 3;
  const Tensor q = random({B, S, H * D}, 10), k = random({B, S, Hkv * D}, 11), v = random({B, S, Hkv * D}, 12);
  const Tensor mask = Tensor::from_vector<int64_t>({1, 1, 1, 1, 1, 0, 1, 1, 1, 1}, {B, S});
  const Tensor expected =
      ops::attention(q, repeat_kv(k, H, Hkv, D), repeat_kv(v, H, Hkv, D), H, mask, /*causal=*/true);
  const Tensor got = ops::causal_attention(q, k, v, H, Hkv, mask);
  // Row 0 of sequence 1 sees only padding; its output is unused (and differs by design).
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = b; s < S; ++s)
      EXPECT_LT(max_abs_diff(got.select(0, b).select(0, s), expected.select(0, b).select(0, s)), 1e-5)
          << b << "," << s;
  // The last two queries alone, after a "cache" of three positions.
  const Tensor tail = ops::causal_attention(q.slice(1, 3, 5), k, v, H, Hkv, mask);
  EXPECT_LT(max_abs_diff(tail, got.slice(1, 3, 5)), 1e-6);
  // Multi-query: one key/value head.
  const Tensor k1 = random({B, S, D}, 13), v1 = random({B, S, D}, 14);
  EXPECT_LT(max_abs_diff(ops::causal_attention(q, k1, v1, H, 1),
                         ops::attention(q, repeat_kv(k1, H, 1, D), repeat_kv(v1, H, 1, D), H, {}, true)),
            1e-5);
}

TEST(DecoderOps, SlidingWindowAndSoftcapMatchANaiveLoop) {
  const int64_t S = 6, H = 2, D = 4, window = 3;
  const float softcap = 2.0f;
  const Tensor q = random({1, S, H * D}, 20), k = random({1, S, H * D}, 21), v = random({1, S, H * D}, 22);
  const auto got = ops::causal_attention(q, k, v, H, H, {}, {.scale = 0.5f, .sliding_window = window,
                                                             .softcap = softcap})
                       .to_float_vector();
  const auto qv = q.to_float_vector(), kv = k.to_float_vector(), vv = v.to_float_vector();
  for (int64_t i = 0; i < S; ++i)
    for (int64_t h = 0; h < H; ++h) {
      std::vector<double> w;
      double sum = 0;
      for (int64_t j = 0; j < S; ++j) {
        double s = 0;
        for (int64_t d = 0; d < D; ++d) s += double(qv[i * H * D + h * D + d]) * kv[j * H * D + h * D + d];
        s = softcap * std::tanh(s * 0.5 / softcap);
        const bool visible = j <= i && i - j < window;
        w.push_back(visible ? std::exp(s) : 0.0);
        sum += w.back();
      }
      for (int64_t d = 0; d < D; ++d) {
        double o = 0;
        for (int64_t j = 0; j < S; ++j) o += w[j] / sum * vv[j * H * D + h * D + d];
        EXPECT_NEAR(got[i * H * D + h * D + d], o, 1e-5);
      }
    }
}

TEST(DecoderOps, CausalAttentionShapeErrorsNameTheArguments) {
  const Tensor q = random({1, 2, 8}, 1), k = random({1, 2, 4}, 2);
  EXPECT_NE(test::error_of([&] { ops::causal_attention(q, k, k, 4, 3); }).find("not a multiple of 3"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { ops::causal_attention(q, k, k, 4, 1); }).find("must be [1, 2, 2]"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { ops::causal_attention(random({1, 3, 8}, 3), k, k, 4, 2); })
                .find("more positions than k"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { ops::causal_attention(q, k, k, 4, 2, Tensor::zeros({1, 3}, DType::I64)); })
                .find("key_mask I64[1, 3] must be [1, 2]"),
            std::string::npos);
}

}  // namespace
