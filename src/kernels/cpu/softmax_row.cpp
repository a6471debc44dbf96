#include "kernels/cpu/softmax_row.h"

#include "kernels/cpu/multiversion.h"
#include "kernels/cpu/vec_math.h"

namespace cuddle::kernels {

CUDDLE_MULTIVERSION
void softmax_row(float* x, const float* bias, int64_t n) {
  if (bias)
    for (int64_t j = 0; j < n; ++j) x[j] += bias[j];
  // Max and sum run in kLanes independent accumulators (combined at the end), so both
  // loops vectorize: one running float would chain every addition to the previous one.
  constexpr int64_t kLanes = 16;
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
  float lane_sum[kLanes] = {};
  for (int64_t j = 0; j < whole; j += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) lane_sum[l] += x[j + l];
  float sum = 0.0f;
  for (int64_t l = 0; l < kLanes; ++l) sum += lane_sum[l];
  for (int64_t j = whole; j < n; ++j) sum += x[j];
  const float inv = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j) x[j] *= inv;
}

}  // namespace cuddle::kernels
