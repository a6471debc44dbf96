#include <gtest/gtest.h>

#include <random>

#include "kernels/cpu/kernels.h"
#include "kernels/reference.h"

using namespace cuddle;

TEST(Linear, RandomShapesWithBiasAndActivation) {
  std::mt19937 rng(2);
  std::uniform_int_distribution<int64_t> dim(1, 97);
  const Activation acts[] = {Activation::Identity, Activation::Gelu, Activation::GeluTanh,
                             Activation::Relu, Activation::Tanh};
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t M = dim(rng), K = dim(rng), N = dim(rng);
    const Activation act = acts[trial % 5];
    const bool with_bias = trial % 3 != 0;
    auto x = test::random_vector(rng, M * K), W = test::random_vector(rng, N * K),
         b = test::random_vector(rng, N);
    std::vector<float> y(static_cast<size_t>(M * N), NAN);
    kernels::linear(x.data(), M, K, W.data(), with_bias ? b.data() : nullptr, N, act, y.data());
    auto ref = test::ref_linear(x, M, K, W, with_bias ? &b : nullptr, N, act);
    EXPECT_LT(test::max_abs_diff(y, ref), 1e-5) << M << "x" << K << "x" << N;
  }
}

TEST(Gemm, StridedNonTransposed) {
  std::mt19937 rng(3);
  const int64_t M = 7, K = 5, N = 3, lda = 9, ldb = 4, ldc = 6;
  auto A = test::random_vector(rng, M * lda), B = test::random_vector(rng, K * ldb);
  std::vector<float> C(M * ldc, 1.0f);
  kernels::gemm(M, N, K, 2.0f, A.data(), lda, B.data(), ldb, false, 0.5f, C.data(), ldc);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t p = 0; p < K; ++p) s += double(A[i * lda + p]) * B[p * ldb + j];
      EXPECT_NEAR(C[i * ldc + j], 2 * s + 0.5, 1e-5);
    }
}
