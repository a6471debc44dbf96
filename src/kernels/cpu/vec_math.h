// Scalar float math written so that GCC auto-vectorises loops calling it (no libm calls,
// no branches: selects and bit casts only). Accuracy, checked in tests/kernels against
// double-precision libm: exp ~2 ulp, erf within 5e-7 and tanh within 2e-7 absolute, which keeps every
// model output well inside the 1e-4 parity budget while letting activations and softmax
// run at SIMD speed (libm's erff/expf calls would dominate bert-base's forward).
#pragma once
#include <bit>
#include <cstdint>

namespace cuddle::kernels::vmath {

// Below this exp() is treated as 0 (the true value is denormal or zero in float), which
// also makes softmax over a row with a dtype-min additive mask give exactly 0 weight to
// masked positions, as torch does.
inline constexpr float kExpUnderflow = -87.0f;

[[gnu::always_inline]] inline float exp(float x) {
  const float xc = x > 88.0f ? 88.0f : (x < kExpUnderflow ? kExpUnderflow : x);
  // exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln2 / 2 (Cody-Waite split of ln 2).
  const float n = __builtin_floorf(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float scale = std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
  return x < kExpUnderflow ? 0.0f : p * scale;
}

// 1 / (1 + exp(-x))
[[gnu::always_inline]] inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

// tanh(x) = 1 - 2 / (exp(2x) + 1), which saturates to +-1 through exp's clamping. Near 0
// an odd Taylor polynomial avoids the cancellation in 1 - 2/(e^2x + 1).
[[gnu::always_inline]] inline float tanh(float x) {
  const float big = 1.0f - 2.0f / (exp(2.0f * x) + 1.0f);
  const float x2 = x * x;
  // Through x^9 the series is exact to float precision for |x| < 0.125.
  const float small =
      x * (1.0f + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315 + x2 * (62.0f / 2835)))));
  return (x2 < 0.015625f) ? small : big;
}

// erf as an odd rational function of x on [-4, 4] (|erf| rounds to 1 beyond), the minimax
// fit used by Eigen and XLA for float.
[[gnu::always_inline]] inline float erf(float x) {
  const float xc = x > 4.0f ? 4.0f : (x < -4.0f ? -4.0f : x);
  const float x2 = xc * xc;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  p = p * xc;
  float q = -1.45660718464996e-05f;
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return p / q;
}

// Sum of term(j) for j in [0, n), in kSumLanes interleaved accumulators (term j into lane
// j % kSumLanes) combined in lane order at the end, then the tail: the vectoriser keeps the
// lanes in registers, where one running float would chain every addition to the previous
// one. The order is fixed, so every ISA clone gives the same result.
inline constexpr int64_t kSumLanes = 16;
template <typename Term>
[[gnu::always_inline]] inline float lane_sum(int64_t n, Term term) {
  const int64_t whole = n / kSumLanes * kSumLanes;
  float lanes[kSumLanes] = {};
  for (int64_t j = 0; j < whole; j += kSumLanes)
    for (int64_t l = 0; l < kSumLanes; ++l) lanes[l] += term(j + l);
  float sum = 0.0f;
  for (int64_t l = 0; l < kSumLanes; ++l) sum += lanes[l];
  for (int64_t j = whole; j < n; ++j) sum += term(j);
  return sum;
}

}  // namespace cuddle::kernels::vmath
