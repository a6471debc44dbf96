#include <cmath>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/multiversion.h"

namespace cuddle::kernels {

namespace {
// One row: sum, then mean, then the centred second moment (two passes as torch's CPU
// kernel effectively does; a one-pass E[x^2]-E[x]^2 loses digits on large activations).
CUDDLE_MULTIVERSION
void layer_norm_row(const float* x, const float* residual, const float* gamma, const float* beta,
                    int64_t n, float eps, float* out) {
  float sum = 0.0f;
  if (residual) {
    for (int64_t j = 0; j < n; ++j) {
      const float v = x[j] + residual[j];
      out[j] = v;
      sum += v;
    }
  } else {
    for (int64_t j = 0; j < n; ++j) {
      out[j] = x[j];
      sum += x[j];
    }
  }
  const float mean = sum / static_cast<float>(n);
  float sq = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    const float d = out[j] - mean;
    sq += d * d;
  }
  const float rstd = 1.0f / std::sqrt(sq / static_cast<float>(n) + eps);
  for (int64_t j = 0; j < n; ++j) out[j] = (out[j] - mean) * rstd * gamma[j] + beta[j];
}
}  // namespace

void add_layer_norm(const float* x, const float* residual, const float* gamma, const float* beta,
                    int64_t rows, int64_t n, float eps, float* out) {
#pragma omp parallel for schedule(static) if (rows * n > 16384)
  for (int64_t r = 0; r < rows; ++r)
    layer_norm_row(x + r * n, residual ? residual + r * n : nullptr, gamma, beta, n, eps,
                   out + r * n);
}

}  // namespace cuddle::kernels
