#include "kernels/cpu/softmax_row.h"

#include "kernels/cpu/multiversion.h"
#include "kernels/cpu/vec_math.h"

namespace cuddle::kernels {

CUDDLE_MULTIVERSION
void softmax_row(float* x, const float* bias, int64_t n) {
  if (bias)
    for (int64_t j = 0; j < n; ++j) x[j] += bias[j];
  float mx = x[0];
  for (int64_t j = 1; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    x[j] = vmath::exp(x[j] - mx);
    sum += x[j];
  }
  const float inv = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j) x[j] *= inv;
}

}  // namespace cuddle::kernels
