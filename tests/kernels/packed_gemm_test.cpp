// Differential test of the packed GEMM micro-kernels against a double-precision naive
// product, for every ISA this CPU runs, over odd shapes that exercise every edge path
// (partial row tiles, partial column panels, K not a multiple of the K block).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/cpu/packed_gemm.h"

using namespace cuddle::kernels;

namespace {

double max_abs_diff_vs_naive(GemmIsa isa, int64_t m, int64_t n, int64_t k, bool with_bias,
                             int64_t lda_pad, int64_t ldc_pad) {
  std::mt19937 rng(static_cast<unsigned>(m * 131 + n * 7 + k));
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const int64_t lda = k + lda_pad, ldc = n + ldc_pad;
  std::vector<float> a(static_cast<size_t>(std::max<int64_t>(m * lda, 1))), w(static_cast<size_t>(std::max<int64_t>(n * k, 1))),
      bias(static_cast<size_t>(std::max<int64_t>(n, 1))), c(static_cast<size_t>(std::max<int64_t>(m * ldc, 1)), 12345.f);
  for (auto& x : a) x = u(rng);
  for (auto& x : w) x = u(rng);
  for (auto& x : bias) x = u(rng);
  PackedWeight pw(w.data(), n, k, isa);
  packed_gemm(m, a.data(), lda, pw, with_bias ? bias.data() : nullptr, c.data(), ldc);
  double worst = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = with_bias ? bias[static_cast<size_t>(j)] : 0.0;
      for (int64_t q = 0; q < k; ++q) s += double(a[static_cast<size_t>(i * lda + q)]) * w[static_cast<size_t>(j * k + q)];
      worst = std::max(worst, std::abs(s - c[static_cast<size_t>(i * ldc + j)]));
    }
    // padding between rows of C is never written
    for (int64_t j = n; j < ldc; ++j) EXPECT_EQ(c[static_cast<size_t>(i * ldc + j)], 12345.f);
  }
  return worst;
}

}  // namespace

TEST(PackedGemm, MatchesNaiveForEveryIsaAndEdgeShape) {
  const std::vector<std::tuple<int64_t, int64_t, int64_t>> shapes = {
      {1, 1, 1}, {1, 33, 7}, {5, 17, 3}, {12, 32, 256}, {13, 31, 257}, {25, 65, 513},
      {128, 96, 64}, {200, 40, 300}, {3, 100, 1000}, {0, 5, 5}, {4, 0, 5},
      // Enough rows that each thread takes its own row blocks (several, uneven at the end).
      {397, 70, 300}, {1100, 33, 257}};
  for (GemmIsa isa : {GemmIsa::Avx512, GemmIsa::Avx2, GemmIsa::Generic}) {
    for (auto [m, n, k] : shapes) {
      for (bool bias : {false, true}) {
        double d = max_abs_diff_vs_naive(isa, m, n, k, bias, 3, 5);
        // float accumulation over k terms of magnitude <= 1: error grows ~ sqrt(k) * eps.
        EXPECT_LT(d, 2e-6 * std::sqrt(double(k) + 1) * 8) << gemm_isa_name(isa) << " " << m << "x" << n << "x" << k;
      }
    }
  }
}

TEST(PackedGemm, ZeroKGivesBias) {
  std::vector<float> bias = {1.f, 2.f, 3.f}, c(6, -1.f);
  PackedWeight pw(nullptr, 3, 0);
  packed_gemm(2, nullptr, 0, pw, bias.data(), c.data(), 3);
  EXPECT_EQ(c, (std::vector<float>{1, 2, 3, 1, 2, 3}));
}

TEST(PackedGemm, SingleThreadedInsideParallelRegionAgrees) {
  const int64_t m = 37, n = 70, k = 90;
  std::vector<float> a(m * k), w(n * k), c1(m * n), c2(m * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(float(i));
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(float(i));
  PackedWeight pw(w.data(), n, k);
  packed_gemm(m, a.data(), k, pw, nullptr, c1.data(), n, /*parallel=*/true);
  packed_gemm(m, a.data(), k, pw, nullptr, c2.data(), n, /*parallel=*/false);
  EXPECT_EQ(c1, c2);
}
