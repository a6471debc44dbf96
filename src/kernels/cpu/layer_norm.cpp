#include <cmath>

#include "kernels/cpu/kernels.h"
#include "kernels/cpu/multiversion.h"
#include "kernels/cpu/vec_math.h"

namespace cuddle::kernels {

namespace {
// One row: sum, then mean, then the centred second moment (two passes as torch's CPU
// kernel effectively does; a one-pass E[x^2]-E[x]^2 loses digits on large activations).
// The sums run in vector lanes (vmath::lane_sum), as torch's vectorised kernel also sums.
CUDDLE_MULTIVERSION
void layer_norm_row(const float* x, const float* residual, const float* gamma, const float* beta,
                    int64_t n, float eps, float* out) {
  if (residual)
    for (int64_t j = 0; j < n; ++j) out[j] = x[j] + residual[j];
  else
    for (int64_t j = 0; j < n; ++j) out[j] = x[j];
  const float mean = vmath::lane_sum(n, [out](int64_t j) { return out[j]; }) / static_cast<float>(n);
  const float sq = vmath::lane_sum(n, [out, mean](int64_t j) {
    const float d = out[j] - mean;
    return d * d;
  });
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
