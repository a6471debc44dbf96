#include "kernels/cpu/softmax_row.h"

#include "kernels/cpu/multiversion.h"
#include "kernels/cpu/vec_math.h"

namespace cuddle::kernels {

CUDDLE_MULTIVERSION
void softmax_row(float* x, const float* bias, int64_t n) {
  if (bias)
    for (int64_t j = 0; j < n; ++j) x[j] += bias[j];
  // The max runs in kLanes independent accumulators, as lane_sum does the sum, so both loops
  // vectorize.
  constexpr int64_t kLanes = vmath::kSumLanes;
  const int64_t whole = n / kLanes * kLanes;
  float mx = x[0];
  if (whole > 0) {
    float lane_max[kLanes];
    for (int64_t l = 0; l < kLanes; ++l) lane_max[l] = x[l];
    for (int64_t j = kLanes; j < whole; j += kLanes)
      for (int64_t l = 0; l < kLanes; ++l) lane_max[l] = x[j + l] > lane_max[l] ? x[j + l] : lane_max[l];
    for (int64_t l = 0; l < kLanes; ++l) mx = lane_max[l] > mx ? lane_max[l] : mx;
  }
  for (int64_t j = whole; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
  for (int64_t j = 0; j < n; ++j) x[j] = vmath::exp(x[j] - mx);
  const float sum = vmath::lane_sum(n, [x](int64_t j) { return x[j]; });
  const float inv = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j) x[j] *= inv;
}

}  // namespace cuddle::kernels
