#include <cblas.h>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/multiversion.h"

namespace cuddle::kernels {

void gemm(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, bool b_transposed, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, b_transposed ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
              static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C,
              static_cast<blasint>(ldc));
}

namespace {
CUDDLE_MULTIVERSION
void add_bias_row(float* y, const float* bias, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] += bias[j];
}
}  // namespace

void linear(const float* x, int64_t M, int64_t K, const float* W, const float* bias, int64_t N,
            Activation act, float* y) {
  gemm(M, N, K, 1.0f, x, K, W, K, /*b_transposed=*/true, 0.0f, y, N);
  if (!bias && act == Activation::Identity) return;
  // One pass over each output row while it is still in cache: bias, then activation.
#pragma omp parallel for schedule(static) if (M * N > 16384)
  for (int64_t i = 0; i < M; ++i) {
    float* row = y + i * N;
    if (bias) add_bias_row(row, bias, N);
    activation(act, row, N);
  }
}

}  // namespace cuddle::kernels
