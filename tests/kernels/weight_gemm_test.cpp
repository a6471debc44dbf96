// Differential test of the weight GEMM micro-kernels against a double-precision naive
// product, for every ISA this CPU runs, over odd shapes that exercise every edge path
// (partial weight micro-panels, full / half / partial activation panels, both threading
// splits, several K blocks, padded leading dimensions), plus weights stacked from separate buffers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/fma_peak.h"
#include "kernels/cpu/weight_gemm.h"

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
  WeightRows rows = WeightRows::contiguous(w.data(), n, k, isa);
  weight_gemm(m, a.data(), lda, rows, with_bias ? bias.data() : nullptr, c.data(), ldc);
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

TEST(WeightGemm, MatchesNaiveForEveryIsaAndEdgeShape) {
  const std::vector<std::tuple<int64_t, int64_t, int64_t>> shapes = {
      {1, 1, 1}, {1, 33, 7}, {5, 17, 3}, {12, 32, 256}, {13, 31, 257}, {25, 65, 513},
      {128, 96, 64}, {200, 40, 300}, {3, 100, 1000}, {0, 5, 5}, {4, 0, 5},
      // Last activation panel just over / at half a panel (33 = 32 + 1, 48 = 32 + 16).
      {33, 24, 40}, {48, 13, 20}, {197, 36, 96},
      // Enough rows that each thread takes its own rows (several panels, uneven at the end).
      {397, 70, 300}, {1100, 33, 257},
      // K long enough to run in several blocks, with partial sums carried between them,
      // in both threading splits.
      {600, 50, 700}, {100, 40, 2100}};
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

TEST(WeightGemm, ZeroKGivesBias) {
  std::vector<float> bias = {1.f, 2.f, 3.f}, c(6, -1.f);
  WeightRows rows = WeightRows::contiguous(nullptr, 3, 0);
  weight_gemm(2, nullptr, 0, rows, bias.data(), c.data(), 3);
  EXPECT_EQ(c, (std::vector<float>{1, 2, 3, 1, 2, 3}));
}

TEST(WeightGemm, ResultsDoNotDependOnThreading) {
  const int64_t m = 37, n = 70, k = 90;
  std::vector<float> a(m * k), w(n * k), c1(m * n), c2(m * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(float(i));
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(float(i));
  WeightRows rows = WeightRows::contiguous(w.data(), n, k);
  weight_gemm(m, a.data(), k, rows, nullptr, c1.data(), n, /*parallel=*/true);
  weight_gemm(m, a.data(), k, rows, nullptr, c2.data(), n, /*parallel=*/false);
  EXPECT_EQ(c1, c2);
}

TEST(WeightGemm, RowsStackedFromSeparateBuffersEqualOneMatrix) {
  // A fused Q|K|V projection: three weights of 13 rows each (not a multiple of any
  // micro-panel height, so panels straddle the buffers), read where they are.
  const int64_t m = 40, k = 21, part = 13;
  std::vector<float> a(m * k), whole(3 * part * k), c1(m * 3 * part), c2(m * 3 * part);
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(0.37f * float(i));
  for (size_t i = 0; i < whole.size(); ++i) whole[i] = std::cos(0.11f * float(i));
  std::vector<std::vector<float>> parts;
  for (int p = 0; p < 3; ++p) parts.emplace_back(whole.begin() + p * part * k, whole.begin() + (p + 1) * part * k);
  for (GemmIsa isa : {GemmIsa::Avx512, GemmIsa::Avx2, GemmIsa::Generic}) {
    std::vector<const float*> row_ptrs;
    for (const auto& p : parts)
      for (int64_t r = 0; r < part; ++r) row_ptrs.push_back(p.data() + r * k);
    weight_gemm(m, a.data(), k, WeightRows(row_ptrs, k, isa), nullptr, c1.data(), 3 * part);
    weight_gemm(m, a.data(), k, WeightRows::contiguous(whole.data(), 3 * part, k, isa), nullptr, c2.data(), 3 * part);
    EXPECT_EQ(c1, c2) << gemm_isa_name(isa);
  }
}

TEST(WeightGemm, FusedActivationMatchesSeparatePass) {
  const int64_t m = 50, n = 30, k = 17;
  std::vector<float> a(m * k), w(n * k), bias(n), fused(m * n), plain(m * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(float(i));
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(float(i));
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = 0.1f * float(i) - 1.f;
  WeightRows rows = WeightRows::contiguous(w.data(), n, k);
  weight_gemm(m, a.data(), k, rows, bias.data(), fused.data(), n, true, cuddle::Activation::Gelu);
  weight_gemm(m, a.data(), k, rows, bias.data(), plain.data(), n, true);
  activation(cuddle::Activation::Gelu, plain.data(), m * n);
  EXPECT_EQ(fused, plain);
}

TEST(FmaPeak, MeasuresAPositiveRateWhereTheCpuHasVectorFma) {
  // The value is a measurement (never compared with a speed); it must exist to be a
  // denominator wherever the GEMM kernels run vectorised.
  if (best_gemm_isa() == GemmIsa::Generic) GTEST_SKIP() << "no AVX2/AVX-512 on this CPU";
  EXPECT_GT(cuddle::kernels::measure_fma_peak_gflops(), 0.0);
}
